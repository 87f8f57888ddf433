/* pt-eval-samples.c — validation records with the model's current answers. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-eval-samples.h"
#include "pt-evaluate.h"    /* PtEvalSample */
#include "pt-texture.h"     /* pt_texture_load_thumbnail_async */
#include "pt-vqa.h"         /* pt_vqa_exact_match */

#define THUMB_SIZE 56

struct _PtEvalSamples
{
  GtkWidget     parent_instance;

  GtkWidget    *header;
  GtkWidget    *list;
  GtkWidget    *placeholder;
  GCancellable *cancellable;   /* the thumbnails of the shown samples */
  guint         n_samples;
  guint         n_correct;
};

G_DEFINE_FINAL_TYPE (PtEvalSamples, pt_eval_samples, GTK_TYPE_WIDGET)

static void
thumbnail_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GtkPicture) picture = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = pt_texture_load_thumbnail_finish (result, &error);

  if (texture != NULL)
    gtk_picture_set_paintable (picture, GDK_PAINTABLE (texture));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("No thumbnail: %s", error->message);
}

static GtkWidget *
label_new (const char *text,
           const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static GtkWidget *
sample_row (PtEvalSamples      *self,
            const PtEvalSample *s,
            gboolean           *correct)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *verdict = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon;
  g_autofree char *truth = NULL;
  const char *prediction = s->prediction != NULL ? s->prediction : "";

  *correct = s->answer != NULL && pt_vqa_exact_match (prediction, s->answer);
  gtk_widget_add_css_class (row, "eval-sample");

  gtk_widget_set_size_request (picture, THUMB_SIZE, THUMB_SIZE);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (picture, "eval-thumb");
  gtk_box_append (GTK_BOX (row), picture);
  if (s->image_path != NULL)
    pt_texture_load_thumbnail_async (s->image_path, THUMB_SIZE * 2, self->cancellable,
                                     thumbnail_cb, g_object_ref (picture));

  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (texts), label_new (s->question != NULL ? s->question : "", "heading"));
  /* Translators: the ground-truth answer of a validation record */
  truth = g_strdup_printf (_("Truth: %s"), s->answer != NULL ? s->answer : "–");
  gtk_box_append (GTK_BOX (texts), label_new (truth, "dim-label"));
  gtk_box_append (GTK_BOX (row), texts);

  icon = gtk_image_new_from_icon_name (*correct ? "object-select-symbolic" : "window-close-symbolic");
  gtk_widget_add_css_class (icon, *correct ? "success" : "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  *correct ? _("Correct") : _("Wrong"), -1);
  gtk_box_append (GTK_BOX (verdict), icon);
  gtk_box_append (GTK_BOX (verdict), label_new (*prediction != '\0' ? prediction : _("(empty answer)"),
                                                *prediction != '\0' ? NULL : "dim-label"));
  gtk_widget_set_valign (verdict, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (verdict, 160, -1);
  gtk_box_append (GTK_BOX (row), verdict);
  return row;
}

GtkWidget *
pt_eval_samples_new (void)
{
  return g_object_new (PT_TYPE_EVAL_SAMPLES, NULL);
}

void
pt_eval_samples_set_samples (PtEvalSamples *self,
                             int            step,
                             GPtrArray     *samples)
{
  GtkListBoxRow *row;

  g_return_if_fail (PT_IS_EVAL_SAMPLES (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  while ((row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->list), 0)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->list), GTK_WIDGET (row));
  self->n_samples = 0;
  self->n_correct = 0;

  if (samples == NULL || samples->len == 0)
    {
      gtk_label_set_text (GTK_LABEL (self->header), _("Validation Samples"));
      return;
    }
  for (guint i = 0; i < samples->len; i++)
    {
      gboolean correct;
      gtk_list_box_append (GTK_LIST_BOX (self->list), sample_row (self, samples->pdata[i], &correct));
      self->n_samples++;
      self->n_correct += correct;
    }
  {
    /* Translators: "Validation Samples · step 120 · 3 of 4 right" */
    g_autofree char *title = g_strdup_printf (_("Validation Samples · step %d · %u of %u right"),
                                              step, self->n_correct, self->n_samples);
    gtk_label_set_text (GTK_LABEL (self->header), title);
  }
}

guint
pt_eval_samples_get_n_samples (PtEvalSamples *self)
{
  g_return_val_if_fail (PT_IS_EVAL_SAMPLES (self), 0);
  return self->n_samples;
}

guint
pt_eval_samples_get_n_correct (PtEvalSamples *self)
{
  g_return_val_if_fail (PT_IS_EVAL_SAMPLES (self), 0);
  return self->n_correct;
}

static void
pt_eval_samples_dispose (GObject *object)
{
  PtEvalSamples *self = PT_EVAL_SAMPLES (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->header, gtk_widget_unparent);
  g_clear_pointer (&self->list, gtk_widget_unparent);
  G_OBJECT_CLASS (pt_eval_samples_parent_class)->dispose (object);
}

static void
pt_eval_samples_class_init (PtEvalSamplesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_eval_samples_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "evalsamples");
}

static void
pt_eval_samples_init (PtEvalSamples *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 6);

  self->header = gtk_label_new (_("Validation Samples"));
  gtk_label_set_xalign (GTK_LABEL (self->header), 0);
  gtk_widget_add_css_class (self->header, "heading");
  gtk_widget_set_parent (self->header, GTK_WIDGET (self));

  self->list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (self->list, "boxed-list");
  self->placeholder = gtk_label_new (_("The model’s answers to a few validation records appear here at each evaluation"));
  gtk_label_set_wrap (GTK_LABEL (self->placeholder), TRUE);
  gtk_widget_add_css_class (self->placeholder, "dim-label");
  gtk_widget_add_css_class (self->placeholder, "eval-placeholder");
  gtk_list_box_set_placeholder (GTK_LIST_BOX (self->list), self->placeholder);
  gtk_widget_set_parent (self->list, GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}
