/* pt-record-cell.c — one record in the dataset grid: thumbnail, question, answer. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-record-cell.h"

#define THUMB_SIZE 160

struct _PtRecordCell
{
  GtkWidget          parent_instance;

  PtDataset         *dataset;
  guint              index;
  PtThumbnailLoader *loader;
  GCancellable      *cancellable;
  const char        *image;        /* the record's image path (owned by the dataset) while loading */
  PtRecordCellState  state;
  gboolean           shown_missing;    /* what the widgets show now */
  gboolean           shown_unusable;

  GtkWidget         *frame;        /* GtkOverlay */
  GtkPicture        *picture;
  GtkWidget         *placeholder;  /* icon + text over the frame */
  GtkImage          *placeholder_icon;
  GtkLabel          *placeholder_label;
  GtkWidget         *badge;
  GtkLabel          *question;
  GtkLabel          *answer;
};

G_DEFINE_FINAL_TYPE (PtRecordCell, pt_record_cell, GTK_TYPE_WIDGET)

/* Binding runs for every row scrolled into view: only what changes is
 * touched (a CSS class change restyles the whole cell). */
static void
set_state (PtRecordCell      *self,
           PtRecordCellState  state,
           const char        *reason)
{
  gboolean was_missing = self->shown_missing;
  gboolean missing = state == PT_RECORD_CELL_MISSING;

  self->state = state;
  gtk_widget_set_visible (self->placeholder, state != PT_RECORD_CELL_IMAGE);
  if (missing != was_missing)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->placeholder_label), missing);
      gtk_image_set_from_icon_name (self->placeholder_icon,
                                    missing ? "image-missing-symbolic" : "image-x-generic-symbolic");
      if (missing)
        gtk_widget_add_css_class (self->frame, "missing");
      else
        gtk_widget_remove_css_class (self->frame, "missing");
      self->shown_missing = missing;
    }
  if (missing || gtk_widget_get_has_tooltip (self->frame))
    gtk_widget_set_tooltip_text (self->frame, missing ? reason : NULL);
  if (state != PT_RECORD_CELL_IMAGE)
    gtk_picture_set_paintable (self->picture, NULL);
}

static void
set_unusable (PtRecordCell *self,
              gboolean      unusable)
{
  if (unusable == self->shown_unusable)
    return;
  if (unusable)
    gtk_widget_add_css_class (GTK_WIDGET (self), "unusable");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "unusable");
  self->shown_unusable = unusable;
}

static void
thumbnail_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PtRecordCell) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  if (self->loader == NULL)
    return;
  texture = pt_thumbnail_loader_load_finish (self->loader, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  self->image = NULL;
  if (texture != NULL)
    {
      gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
      set_state (self, PT_RECORD_CELL_IMAGE, NULL);
    }
  else
    set_state (self, PT_RECORD_CELL_MISSING, error->message);
}

static void
request_thumbnail (PtRecordCell *self)
{
  if (self->cancellable != NULL || self->image == NULL || self->loader == NULL
      || self->state != PT_RECORD_CELL_LOADING)
    return;
  self->cancellable = g_cancellable_new ();
  pt_thumbnail_loader_load_async (self->loader, self->image, self->cancellable, thumbnail_cb,
                                  g_object_ref (self));
}

static void
cancel_request (PtRecordCell *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

static void
map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (pt_record_cell_parent_class)->map (widget);
  request_thumbnail (PT_RECORD_CELL (widget));
}

/* Scrolled away: the decode is not needed any more (it restarts if the row comes back). */
static void
unmap (GtkWidget *widget)
{
  cancel_request (PT_RECORD_CELL (widget));
  GTK_WIDGET_CLASS (pt_record_cell_parent_class)->unmap (widget);
}

static gboolean
is_image_problem (PtProblemKind kind)
{
  return kind == PT_PROBLEM_IMAGE_MISSING || kind == PT_PROBLEM_IMAGE_UNREADABLE
         || kind == PT_PROBLEM_IMAGE_UNDECODABLE;
}

void
pt_record_cell_bind (PtRecordCell      *self,
                     PtDataset         *dataset,
                     guint              index,
                     gboolean           has_problem,
                     PtThumbnailLoader *loader)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  PtRecord r;

  g_return_if_fail (PT_IS_RECORD_CELL (self));
  g_return_if_fail (dataset != NULL);

  pt_record_cell_unbind (self);
  self->dataset = pt_dataset_ref (dataset);
  self->index = index;
  g_set_object (&self->loader, loader);

  pt_dataset_get_record (dataset, index, &r);
  if (g_strcmp0 (gtk_label_get_text (self->question), r.question) != 0)
    gtk_label_set_text (self->question, r.question);
  if (g_strcmp0 (gtk_label_get_text (self->answer), r.answer) != 0)
    gtk_label_set_text (self->answer, r.answer);
  if (has_problem || r.problem != PT_PROBLEM_NONE)
    reason = pt_dataset_get_record_reason (dataset, index);
  gtk_widget_set_visible (self->badge, reason != NULL);
  if (reason != NULL || gtk_widget_get_has_tooltip (self->badge))
    gtk_widget_set_tooltip_text (self->badge, reason);
  set_unusable (self, r.problem != PT_PROBLEM_NONE);

  if (r.image == NULL || is_image_problem (r.problem))
    {
      set_state (self, PT_RECORD_CELL_MISSING,
                 r.image == NULL ? _("The record names no image") : reason);
      return;
    }
  if (pt_thumbnail_loader_lookup (loader, r.image, &texture, &error))
    {
      if (texture != NULL)
        {
          gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
          set_state (self, PT_RECORD_CELL_IMAGE, NULL);
        }
      else
        set_state (self, PT_RECORD_CELL_MISSING, error != NULL ? error->message : NULL);
      return;
    }
  set_state (self, PT_RECORD_CELL_LOADING, NULL);
  self->image = r.image;
  /* GtkGridView binds some 30 rows around what is on screen but maps only
   * the rows on screen: decode for those, when they show */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    request_thumbnail (self);
}

void
pt_record_cell_unbind (PtRecordCell *self)
{
  g_return_if_fail (PT_IS_RECORD_CELL (self));

  cancel_request (self);
  self->image = NULL;
  g_clear_pointer (&self->dataset, pt_dataset_unref);
  g_clear_object (&self->loader);
  self->state = PT_RECORD_CELL_EMPTY;
  gtk_picture_set_paintable (self->picture, NULL);
}

PtRecordCellState
pt_record_cell_get_state (PtRecordCell *self)
{
  g_return_val_if_fail (PT_IS_RECORD_CELL (self), PT_RECORD_CELL_EMPTY);
  return self->state;
}

guint
pt_record_cell_get_index (PtRecordCell *self)
{
  g_return_val_if_fail (PT_IS_RECORD_CELL (self), G_MAXUINT);
  return self->dataset != NULL ? self->index : G_MAXUINT;
}

GtkWidget *
pt_record_cell_new (void)
{
  return g_object_new (PT_TYPE_RECORD_CELL, NULL);
}

static void
pt_record_cell_dispose (GObject *object)
{
  PtRecordCell *self = PT_RECORD_CELL (object);
  GtkWidget *child;

  if (self->picture != NULL)
    pt_record_cell_unbind (self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->picture = NULL;
  G_OBJECT_CLASS (pt_record_cell_parent_class)->dispose (object);
}

static void
pt_record_cell_class_init (PtRecordCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_record_cell_dispose;
  widget_class->map = map;
  widget_class->unmap = unmap;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "recordcell");
}

static GtkLabel *
add_label (PtRecordCell *self,
           const char   *css_class,
           int           lines)
{
  GtkLabel *label = GTK_LABEL (gtk_label_new (NULL));

  gtk_label_set_xalign (label, 0.0);
  gtk_label_set_yalign (label, 0.0);
  gtk_label_set_ellipsize (label, PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (label, 1);   /* the cell's width decides */
  if (lines > 1)
    {
      gtk_label_set_wrap (label, TRUE);
      gtk_label_set_wrap_mode (label, PANGO_WRAP_WORD_CHAR);
      gtk_label_set_lines (label, lines);
    }
  gtk_widget_add_css_class (GTK_WIDGET (label), css_class);
  gtk_widget_set_parent (GTK_WIDGET (label), GTK_WIDGET (self));
  return label;
}

static void
pt_record_cell_init (PtRecordCell *self)
{
  GtkBoxLayout *layout = GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self)));
  GtkWidget *box;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (layout, 4);

  self->frame = gtk_overlay_new ();
  gtk_widget_add_css_class (self->frame, "thumbnail");
  gtk_widget_set_size_request (self->frame, THUMB_SIZE, THUMB_SIZE);
  gtk_widget_set_overflow (self->frame, GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_parent (self->frame, GTK_WIDGET (self));

  self->picture = GTK_PICTURE (gtk_picture_new ());
  gtk_picture_set_content_fit (self->picture, GTK_CONTENT_FIT_CONTAIN);
  gtk_picture_set_can_shrink (self->picture, TRUE);
  gtk_overlay_set_child (GTK_OVERLAY (self->frame), GTK_WIDGET (self->picture));

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (box, "placeholder");
  self->placeholder_icon = GTK_IMAGE (gtk_image_new_from_icon_name ("image-x-generic-symbolic"));
  gtk_image_set_pixel_size (self->placeholder_icon, 32);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->placeholder_icon));
  self->placeholder_label = GTK_LABEL (gtk_label_new (_("Missing image")));
  gtk_widget_add_css_class (GTK_WIDGET (self->placeholder_label), "caption");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->placeholder_label));
  self->placeholder = box;
  gtk_widget_set_visible (GTK_WIDGET (self->placeholder_label), FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->frame), box);

  self->badge = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  gtk_widget_add_css_class (self->badge, "problem-badge");
  gtk_widget_set_halign (self->badge, GTK_ALIGN_END);
  gtk_widget_set_valign (self->badge, GTK_ALIGN_START);
  gtk_widget_set_visible (self->badge, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->frame), self->badge);

  self->question = add_label (self, "question", 2);
  self->answer = add_label (self, "answer", 1);
  gtk_widget_set_size_request (GTK_WIDGET (self), THUMB_SIZE, -1);
}
