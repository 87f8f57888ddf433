/* pt-token-view.c — a prompt as the model reads it: one chip per token. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "pt-token-view.h"

/* A prompt past this many chips ends in a "… N more" chip. */
#define MAX_CHIPS 1500

#define SPACING 3   /* between chips, both ways */

/* The chips are the view's children, laid out like words in a paragraph:
 * left to right, wrapping when the next one does not fit. */
struct _PtTokenView
{
  GtkWidget   parent_instance;

  guint       n_chips[PT_TOKEN_N_ROLES];
  guint       n_cut;
};

G_DEFINE_FINAL_TYPE (PtTokenView, pt_token_view, GTK_TYPE_WIDGET)

static const char *const role_classes[PT_TOKEN_N_ROLES] = { "image", "prefix", "suffix" };

char *
pt_token_view_display_piece (const char *piece)
{
  GString *s = g_string_new (NULL);

  if (piece == NULL)
    return g_string_free (s, FALSE);
  for (const char *p = piece; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == '\n')
        g_string_append (s, "↵");
      else if (c == '\t')
        g_string_append (s, "⇥");
      else if (c == ' ')
        g_string_append (s, "▁");
      else if (g_unichar_iscntrl (c))
        g_string_append_printf (s, "\\x%02X", c);
      else
        g_string_append_unichar (s, c);
    }
  return g_string_free (s, FALSE);
}

void
pt_token_view_clear (PtTokenView *self)
{
  GtkWidget *child;

  g_return_if_fail (PT_IS_TOKEN_VIEW (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  memset (self->n_chips, 0, sizeof self->n_chips);
  self->n_cut = 0;
}

static void
add_chip (PtTokenView *self,
          const char  *text,
          PtTokenRole  role,
          gboolean     special,
          gboolean     cut,
          const char  *tooltip)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);

  gtk_widget_add_css_class (label, "token");
  gtk_widget_add_css_class (label, role_classes[role]);
  if (special)
    gtk_widget_add_css_class (label, "special");
  if (cut)
    gtk_widget_add_css_class (label, "cut");
  gtk_widget_set_tooltip_text (label, tooltip);
  gtk_widget_set_parent (label, GTK_WIDGET (self));
  self->n_chips[role]++;
  self->n_cut += cut;
}

void
pt_token_view_set_tokens (PtTokenView       *self,
                          const PtTokenizer *tokenizer,
                          const PtEncoded   *full,
                          const PtEncoded   *kept)
{
  int n_image = 0;
  int prefix_text, kept_prefix_text = -1, kept_suffix = -1;
  guint shown = 0;

  g_return_if_fail (PT_IS_TOKEN_VIEW (self));
  g_return_if_fail (tokenizer != NULL && full != NULL);

  pt_token_view_clear (self);
  while (n_image < full->n && full->input_ids[n_image] == pt_tokenizer_image_id (tokenizer))
    n_image++;
  prefix_text = full->prefix_len - n_image;
  if (kept != NULL && kept->truncated)
    {
      kept_prefix_text = kept->prefix_len - n_image;
      kept_suffix = kept->n_suffix;
    }

  if (n_image > 0)
    {
      /* Translators: the image tokens of a prompt, e.g. "256 × <image>" */
      g_autofree char *text = g_strdup_printf (_("%d × <image>"), n_image);
      add_chip (self, text, PT_TOKEN_IMAGE, TRUE, FALSE,
                _("One token per image patch: the vision tower's output, attended in both directions"));
    }
  for (int i = n_image; i < full->n; i++)
    {
      int32_t id = full->input_ids[i];
      gboolean suffix = i >= full->prefix_len;
      g_autofree char *text = NULL;
      g_autofree char *tip = NULL;
      gboolean cut = FALSE;

      if (shown == MAX_CHIPS)
        {
          /* Translators: the tokens not shown at the end of a very long prompt */
          g_autofree char *more = g_strdup_printf (_("… %d more"), full->n - i);
          add_chip (self, more, suffix ? PT_TOKEN_SUFFIX : PT_TOKEN_PREFIX, TRUE, FALSE, NULL);
          break;
        }
      if (kept_prefix_text >= 0)
        {
          int t = i - n_image;   /* position among the text tokens */
          if (!suffix)
            /* the prompt is cut from its end, its last token ("\n") kept */
            cut = t >= kept_prefix_text - 1 && t < prefix_text - 1;
          else
            cut = i - full->prefix_len >= kept_suffix;
        }
      text = pt_token_view_display_piece (pt_tokenizer_id_to_piece (tokenizer, id));
      tip = g_strdup_printf ("%d", id);
      add_chip (self, text, suffix ? PT_TOKEN_SUFFIX : PT_TOKEN_PREFIX,
                pt_tokenizer_is_special (tokenizer, id), cut, tip);
      shown++;
    }
}

guint
pt_token_view_get_n_chips (PtTokenView *self,
                           PtTokenRole  role)
{
  g_return_val_if_fail (PT_IS_TOKEN_VIEW (self), 0);
  g_return_val_if_fail (role < PT_TOKEN_N_ROLES, 0);
  return self->n_chips[role];
}

guint
pt_token_view_get_n_cut (PtTokenView *self)
{
  g_return_val_if_fail (PT_IS_TOKEN_VIEW (self), 0);
  return self->n_cut;
}

const char *
pt_token_view_get_chip_text (PtTokenView *self,
                             guint        i)
{
  GtkWidget *child;

  g_return_val_if_fail (PT_IS_TOKEN_VIEW (self), NULL);

  child = gtk_widget_get_first_child (GTK_WIDGET (self));
  for (; child != NULL && i > 0; i--)
    child = gtk_widget_get_next_sibling (child);
  return child != NULL ? gtk_label_get_text (GTK_LABEL (child)) : NULL;
}

GtkWidget *
pt_token_view_new (void)
{
  return g_object_new (PT_TYPE_TOKEN_VIEW, NULL);
}

/* Lays the chips out in lines of at most width; returns the height. */
static int
flow (PtTokenView *self,
      int          width,
      gboolean     allocate)
{
  int x = 0, y = 0, line_h = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int w, h;

      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &w, NULL, NULL);
      w = MIN (w, width);
      gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, w, NULL, &h, NULL, NULL);
      if (x > 0 && x + w > width)
        {
          x = 0;
          y += line_h + SPACING;
          line_h = 0;
        }
      if (allocate)
        gtk_widget_size_allocate (child, &(GtkAllocation) { x, y, w, h }, -1);
      x += w + SPACING;
      line_h = MAX (line_h, h);
    }
  return y + line_h;
}

static GtkSizeRequestMode
get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
measure (GtkWidget      *widget,
         GtkOrientation  orientation,
         int             for_size,
         int            *minimum,
         int            *natural,
         int            *minimum_baseline,
         int            *natural_baseline)
{
  PtTokenView *self = PT_TOKEN_VIEW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int min = 0, nat = 0;
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        {
          int cmin, cnat;
          gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &cmin, &cnat, NULL, NULL);
          min = MAX (min, MIN (cmin, 120));   /* a long chip may shrink (it ellipsizes) */
          nat += cnat + SPACING;
        }
      *minimum = min;
      *natural = MIN (nat, 340);
    }
  else
    *minimum = *natural = flow (self, for_size < 0 ? 600 : for_size, FALSE);
}

static void
size_allocate (GtkWidget *widget,
               int        width,
               int        height,
               int        baseline)
{
  flow (PT_TOKEN_VIEW (widget), width, TRUE);
}

static void
pt_token_view_dispose (GObject *object)
{
  pt_token_view_clear (PT_TOKEN_VIEW (object));
  G_OBJECT_CLASS (pt_token_view_parent_class)->dispose (object);
}

static void
pt_token_view_class_init (PtTokenViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_token_view_dispose;
  widget_class->get_request_mode = get_request_mode;
  widget_class->measure = measure;
  widget_class->size_allocate = size_allocate;
  gtk_widget_class_set_css_name (widget_class, "tokenview");
}

static void
pt_token_view_init (PtTokenView *self)
{
}
