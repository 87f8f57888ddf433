/* pt-record-detail.c — one record of the dataset browser, as the model sees it. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-embedded.h"          /* images inside Parquet / Arrow files */
#include "pt-image.h"             /* pt_image_load, pt_image_resize_bicubic */
#include "pt-processor.h"         /* pt_processor_encode */
#include "pt-record-detail.h"

#define DEFAULT_RESOLUTION 224
#define MAX_SHOWN          320    /* larger resolutions are shown scaled down */

struct _PtRecordDetail
{
  AdwBin              parent_instance;

  PtDataset          *dataset;
  guint               index;
  PtModelTokenizer   *tokenizer;
  char               *hint;
  char               *template_;
  int                 max_text_len;
  int                 resolution;
  GCancellable       *image_cancellable;
  PtDetailImageState  image_state;
  int                 image_size;
  int                 n_text_tokens;
  gboolean            truncated;

  /* template children */
  GtkLabel           *title_label;
  GtkButton          *prev_button;
  GtkButton          *next_button;
  GtkWidget          *image_frame;
  GtkImage           *picture;   /* a paintable at exactly the shown size */
  GtkWidget          *image_status;
  GtkImage           *image_status_icon;
  GtkLabel           *image_status_label;
  GtkLabel           *image_caption;
  GtkLabel           *problem_label;
  GtkGrid            *fields_grid;
  GtkLabel           *prompt_label;
  GtkLabel           *prefix_warning;
  GtkWidget          *tokens_box;
  GtkLabel           *tokens_summary;
  GtkBox             *legend_box;
  PtTokenView        *token_view;
  GtkLabel           *truncation_warning;
  GtkLabel           *tokenizer_hint;
};

G_DEFINE_FINAL_TYPE (PtRecordDetail, pt_record_detail, ADW_TYPE_BIN)

enum {
  CLOSE_REQUESTED,
  NAVIGATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the image ---- */

typedef struct {
  char *path;
  int   size;
} ImageJob;

static void
image_job_free (gpointer data)
{
  ImageJob *job = data;

  g_free (job->path);
  g_free (job);
}

static void
image_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ImageJob *job = task_data;
  GError *error = NULL;
  g_autoptr(PtImage) image = NULL;
  PtImage *resized;

  image = pt_image_load (job->path, NULL, &error);
  if (image == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  /* what training feeds: Pillow's BICUBIC to size × size, aspect not kept */
  resized = pt_image_resize_bicubic (image, job->size, job->size);
  g_task_return_pointer (task, resized, (GDestroyNotify) pt_image_free);
}

static void
set_image_status (PtRecordDetail     *self,
                  PtDetailImageState  state,
                  const char         *message)
{
  self->image_state = state;
  gtk_widget_set_visible (self->image_status, state != PT_DETAIL_IMAGE_SHOWN);
  gtk_image_set_from_icon_name (self->image_status_icon,
                                state == PT_DETAIL_IMAGE_FAILED ? "image-missing-symbolic"
                                                                : "image-x-generic-symbolic");
  gtk_label_set_text (self->image_status_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->image_status_label), message != NULL);
  if (state == PT_DETAIL_IMAGE_FAILED)
    gtk_widget_add_css_class (self->image_frame, "missing");
  else
    gtk_widget_remove_css_class (self->image_frame, "missing");
  if (state != PT_DETAIL_IMAGE_SHOWN)
    gtk_image_clear (self->picture);
}

static void
image_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(PtRecordDetail) self = user_data;
  g_autoptr(GError) error = NULL;
  PtImage *image = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->image_cancellable);
  if (image == NULL)
    {
      set_image_status (self, PT_DETAIL_IMAGE_FAILED, error->message);
      return;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&image->data), (gsize) 3 * image->width * image->height);
  texture = gdk_memory_texture_new (image->width, image->height, GDK_MEMORY_R8G8B8, bytes,
                                    (gsize) 3 * image->width);
  pt_image_free (image);
  gtk_image_set_from_paintable (self->picture, GDK_PAINTABLE (texture));
  set_image_status (self, PT_DETAIL_IMAGE_SHOWN, NULL);
}

static int
model_resolution (PtRecordDetail *self)
{
  if (self->tokenizer != NULL)
    return pt_model_tokenizer_get_resolution (self->tokenizer, self->resolution);
  return self->resolution > 0 ? self->resolution : DEFAULT_RESOLUTION;
}

static void
load_image (PtRecordDetail *self,
            const PtRecord *r)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *caption = NULL;
  ImageJob *job;
  int size = model_resolution (self);
  int shown = MIN (size, MAX_SHOWN);

  if (self->image_cancellable != NULL)
    g_cancellable_cancel (self->image_cancellable);
  g_clear_object (&self->image_cancellable);
  self->image_size = size;
  gtk_image_set_pixel_size (self->picture, shown);
  gtk_widget_set_size_request (self->image_frame, shown, shown);
  /* Translators: the model's input size in pixels, e.g. "224 × 224" */
  caption = g_strdup_printf (_("%d × %d, as the model sees it (bicubic, aspect ratio not kept)"), size, size);
  gtk_label_set_text (self->image_caption, caption);
  if (r->image == NULL)
    {
      set_image_status (self, PT_DETAIL_IMAGE_FAILED, _("The record names no image"));
      return;
    }
  set_image_status (self, PT_DETAIL_IMAGE_LOADING, NULL);
  self->image_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->image_cancellable, image_cb, g_object_ref (self));
  job = g_new0 (ImageJob, 1);
  job->path = g_strdup (r->image);
  job->size = size;
  g_task_set_task_data (task, job, image_job_free);
  g_task_run_in_thread (task, image_thread);
}

/* ---- fields ---- */

static void
add_field (PtRecordDetail *self,
           int             row,
           const char     *name,
           const char     *value)
{
  GtkWidget *key = gtk_label_new (name);
  GtkWidget *val = gtk_label_new (value);

  gtk_label_set_xalign (GTK_LABEL (key), 0);
  gtk_label_set_yalign (GTK_LABEL (key), 0);
  gtk_widget_add_css_class (key, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (val), 0);
  gtk_label_set_wrap (GTK_LABEL (val), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (val), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (val), 30);
  gtk_label_set_selectable (GTK_LABEL (val), TRUE);
  gtk_widget_set_hexpand (val, TRUE);
  gtk_grid_attach (self->fields_grid, key, 0, row, 1, 1);
  gtk_grid_attach (self->fields_grid, val, 1, row, 1, 1);
}

/* "blue ×2, navy": the ground-truth answers with their counts. */
static char *
answers_text (PtDataset *dataset,
              guint      index,
              guint      n)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  GString *s = g_string_new (NULL);

  for (guint k = 0; k < n; k++)
    {
      const char *a = pt_dataset_get_answer (dataset, index, k);
      guint c = GPOINTER_TO_UINT (g_hash_table_lookup (counts, a));
      if (c == 0)
        g_ptr_array_add (order, (gpointer) a);
      g_hash_table_insert (counts, (gpointer) a, GUINT_TO_POINTER (c + 1));
    }
  for (guint i = 0; i < order->len; i++)
    {
      guint c = GPOINTER_TO_UINT (g_hash_table_lookup (counts, order->pdata[i]));
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append (s, order->pdata[i]);
      if (c > 1)
        g_string_append_printf (s, " ×%u", c);
    }
  return g_string_free (s, FALSE);
}

static void
update_fields (PtRecordDetail *self,
               const PtRecord *r)
{
  GtkWidget *child;
  g_autofree char *source = NULL;
  int row = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->fields_grid))) != NULL)
    gtk_grid_remove (self->fields_grid, child);

  add_field (self, row++, r->is_prefix ? _("Prefix") : _("Question"), r->question);
  add_field (self, row++, r->is_prefix ? _("Suffix") : _("Answer"), r->answer);
  if (r->n_answers > 0)
    {
      g_autofree char *answers = answers_text (self->dataset, self->index, r->n_answers);
      add_field (self, row++, _("All answers"), answers);
    }
  if (r->question_type != NULL)
    add_field (self, row++, _("Question type"), r->question_type);
  if (r->answer_type != NULL)
    add_field (self, row++, _("Answer type"), r->answer_type);
  if (r->question_id >= 0)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, r->question_id);
      add_field (self, row++, _("Question id"), id);
    }
  if (r->width > 0 && r->height > 0)
    {
      /* Translators: an image's size in pixels */
      g_autofree char *size = g_strdup_printf (_("%d × %d pixels"), r->width, r->height);
      add_field (self, row++, _("Image size"), size);
    }
  if (r->image != NULL && pt_embedded_is_reference (r->image, NULL))
    {
      g_autofree char *base = g_path_get_basename (r->file);
      /* Translators: %s is a Parquet or Arrow file holding the image's bytes */
      g_autofree char *where = g_strdup_printf (_("embedded in %s"), base);
      add_field (self, row++, _("Image"), where);
    }
  else
    add_field (self, row++, _("Image"), r->image != NULL ? r->image : _("none"));
  if (g_str_has_suffix (r->file, ".parquet") || g_str_has_suffix (r->file, ".arrow"))
    /* Translators: where a record is: a Parquet or Arrow file and a row number */
    source = g_strdup_printf (_("%s, row %u"), r->file, r->line);
  else
    /* Translators: where a record is: a file and a line number */
    source = g_strdup_printf (_("%s, line %u"), r->file, r->line);
  add_field (self, row++, _("Source"), source);
}

/* ---- tokens ---- */

static void
update_tokens (PtRecordDetail *self)
{
  g_autofree char *prompt = NULL;
  g_autoptr(PtEncoded) full = NULL;
  g_autoptr(PtEncoded) kept = NULL;
  g_autoptr(GError) error = NULL;
  PtRecord r;

  self->n_text_tokens = -1;
  self->truncated = FALSE;
  pt_token_view_clear (self->token_view);
  gtk_widget_set_visible (GTK_WIDGET (self->truncation_warning), FALSE);
  if (self->dataset == NULL)
    return;

  pt_dataset_get_record (self->dataset, self->index, &r);
  prompt = pt_dataset_get_prompt (self->dataset, self->index, self->template_);
  gtk_label_set_text (self->prompt_label, prompt);
  if (pt_model_tokenizer_task_prefix (prompt) == NULL)
    {
      /* Translators: %s is a list of words such as "answer, caption, detect" */
      g_autofree char *known = g_strjoinv (", ", (char **) pt_model_tokenizer_task_prefixes ());
      g_autofree char *text = g_strdup_printf (_("The prompt does not start with a PaliGemma task prefix (%s). "
                                                 "The model was pretrained with them; a prompt template such as "
                                                 "“answer {question}” usually learns faster."), known);
      gtk_label_set_text (self->prefix_warning, text);
      gtk_widget_set_visible (GTK_WIDGET (self->prefix_warning), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->prefix_warning), FALSE);

  gtk_widget_set_visible (self->tokens_box, self->tokenizer != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->tokenizer_hint), self->tokenizer == NULL);
  if (self->tokenizer == NULL)
    {
      gtk_label_set_text (self->tokenizer_hint,
                          self->hint != NULL ? self->hint
                                             : _("Choose a model folder on the Train page to see this prompt as tokens: "
                                                 "its tokenizer.model is all that is read."));
      return;
    }

  full = pt_processor_encode (self->tokenizer->tokenizer,
                              pt_model_tokenizer_n_image_tokens (self->tokenizer, self->resolution),
                              prompt, r.answer, 0, &error);
  if (full == NULL)
    {
      gtk_label_set_text (self->tokens_summary, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->tokens_summary), "error");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->tokens_summary), "error");
  if (self->max_text_len >= 3)
    kept = pt_processor_encode (self->tokenizer->tokenizer,
                                pt_model_tokenizer_n_image_tokens (self->tokenizer, self->resolution),
                                prompt, r.answer, self->max_text_len, NULL);
  pt_token_view_set_tokens (self->token_view, self->tokenizer->tokenizer, full, kept);
  {
    int n_image = pt_model_tokenizer_n_image_tokens (self->tokenizer, self->resolution);
    int n_prefix = full->prefix_len - n_image;
    int n_suffix = full->n - full->prefix_len;
    g_autofree char *summary = NULL;

    self->n_text_tokens = n_prefix + n_suffix;
    if (self->max_text_len > 0)
      /* Translators: counts of a prompt's tokens, then the text tokens (prefix + suffix) and their limit */
      summary = g_strdup_printf (_("%d tokens: %d image, %d prefix, %d suffix. Text tokens: %d (at most %d)."),
                                 full->n, n_image, n_prefix, n_suffix, self->n_text_tokens, self->max_text_len);
    else
      summary = g_strdup_printf (_("%d tokens: %d image, %d prefix, %d suffix."),
                                 full->n, n_image, n_prefix, n_suffix);
    gtk_label_set_text (self->tokens_summary, summary);
  }
  if (kept != NULL && kept->truncated)
    {
      g_autofree char *text = NULL;
      self->truncated = TRUE;
      /* Translators: a prompt + answer longer than the maximum text length setting */
      text = g_strdup_printf (_("Longer than the maximum text length (%d tokens): training drops the %u struck-through tokens, "
                                "and a cut answer loses its end-of-sequence token."),
                              self->max_text_len, pt_token_view_get_n_cut (self->token_view));
      gtk_label_set_text (self->truncation_warning, text);
      gtk_widget_set_visible (GTK_WIDGET (self->truncation_warning), TRUE);
    }
}

/* ---- the record ---- */

void
pt_record_detail_set_record (PtRecordDetail *self,
                             PtDataset      *dataset,
                             guint           index)
{
  g_autofree char *title = NULL;
  g_autofree char *reason = NULL;
  PtRecord r;

  g_return_if_fail (PT_IS_RECORD_DETAIL (self));
  g_return_if_fail (dataset == NULL || index < pt_dataset_get_n_records (dataset));

  if (dataset != self->dataset)
    {
      g_clear_pointer (&self->dataset, pt_dataset_unref);
      self->dataset = dataset != NULL ? pt_dataset_ref (dataset) : NULL;
    }
  self->index = index;
  if (dataset == NULL)
    {
      if (self->image_cancellable != NULL)
        g_cancellable_cancel (self->image_cancellable);
      g_clear_object (&self->image_cancellable);
      set_image_status (self, PT_DETAIL_IMAGE_NONE, NULL);
      pt_token_view_clear (self->token_view);
      return;
    }

  pt_dataset_get_record (dataset, index, &r);
  /* Translators: the title of a record's details; %u is its number (from 1) */
  title = g_strdup_printf (_("Record %u"), index + 1);
  gtk_label_set_text (self->title_label, title);
  reason = pt_dataset_get_record_reason (dataset, index);
  gtk_label_set_text (self->problem_label, reason != NULL ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), reason != NULL);
  if (r.problem != PT_PROBLEM_NONE)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->problem_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->problem_label), "warning");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->problem_label), "warning");
      gtk_widget_remove_css_class (GTK_WIDGET (self->problem_label), "error");
    }
  update_fields (self, &r);
  load_image (self, &r);
  update_tokens (self);
}

guint
pt_record_detail_get_index (PtRecordDetail *self)
{
  g_return_val_if_fail (PT_IS_RECORD_DETAIL (self), G_MAXUINT);
  return self->dataset != NULL ? self->index : G_MAXUINT;
}

void
pt_record_detail_set_tokenizer (PtRecordDetail   *self,
                                PtModelTokenizer *tokenizer,
                                const char       *hint)
{
  gboolean resolution_changed;

  g_return_if_fail (PT_IS_RECORD_DETAIL (self));

  resolution_changed = self->dataset != NULL && self->image_size != 0
                       && self->image_size != (tokenizer != NULL
                                               ? pt_model_tokenizer_get_resolution (tokenizer, self->resolution)
                                               : (self->resolution > 0 ? self->resolution : DEFAULT_RESOLUTION));
  if (tokenizer != self->tokenizer)
    {
      g_clear_pointer (&self->tokenizer, pt_model_tokenizer_unref);
      self->tokenizer = tokenizer != NULL ? pt_model_tokenizer_ref (tokenizer) : NULL;
    }
  g_free (self->hint);
  self->hint = g_strdup (hint);
  if (resolution_changed)
    pt_record_detail_set_record (self, self->dataset, self->index);
  else
    update_tokens (self);
}

void
pt_record_detail_set_options (PtRecordDetail *self,
                              const char     *template_,
                              int             max_text_len,
                              int             resolution)
{
  gboolean image_changed;

  g_return_if_fail (PT_IS_RECORD_DETAIL (self));

  image_changed = resolution != self->resolution;
  if (g_strcmp0 (template_, self->template_) == 0 && max_text_len == self->max_text_len && !image_changed)
    return;
  g_free (self->template_);
  self->template_ = g_strdup (template_);
  self->max_text_len = max_text_len;
  self->resolution = resolution;
  if (self->dataset != NULL && image_changed)
    pt_record_detail_set_record (self, self->dataset, self->index);
  else
    update_tokens (self);
}

void
pt_record_detail_set_can_navigate (PtRecordDetail *self,
                                   gboolean        previous,
                                   gboolean        next)
{
  g_return_if_fail (PT_IS_RECORD_DETAIL (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.previous", previous);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.next", next);
}

PtTokenView *
pt_record_detail_get_token_view (PtRecordDetail *self)
{
  g_return_val_if_fail (PT_IS_RECORD_DETAIL (self), NULL);
  return self->token_view;
}

PtDetailImageState
pt_record_detail_get_image_state (PtRecordDetail *self)
{
  g_return_val_if_fail (PT_IS_RECORD_DETAIL (self), PT_DETAIL_IMAGE_NONE);
  return self->image_state;
}

int
pt_record_detail_get_image_size (PtRecordDetail *self)
{
  GdkPaintable *p;

  g_return_val_if_fail (PT_IS_RECORD_DETAIL (self), 0);
  p = gtk_image_get_paintable (self->picture);
  return p != NULL ? gdk_paintable_get_intrinsic_width (p) : 0;
}

int
pt_record_detail_get_n_text_tokens (PtRecordDetail *self)
{
  g_return_val_if_fail (PT_IS_RECORD_DETAIL (self), -1);
  return self->n_text_tokens;
}

gboolean
pt_record_detail_get_truncated (PtRecordDetail *self)
{
  g_return_val_if_fail (PT_IS_RECORD_DETAIL (self), FALSE);
  return self->truncated;
}

gboolean
pt_record_detail_get_prefix_warning (PtRecordDetail *self)
{
  g_return_val_if_fail (PT_IS_RECORD_DETAIL (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->prefix_warning));
}

/* ---- actions ---- */

static void
close_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  g_signal_emit (widget, signals[CLOSE_REQUESTED], 0);
}

static void
navigate_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  g_signal_emit (widget, signals[NAVIGATE], 0, g_str_equal (action_name, "detail.next") ? 1 : -1);
}

GtkWidget *
pt_record_detail_new (void)
{
  return g_object_new (PT_TYPE_RECORD_DETAIL, NULL);
}

static void
pt_record_detail_dispose (GObject *object)
{
  PtRecordDetail *self = PT_RECORD_DETAIL (object);

  if (self->image_cancellable != NULL)
    g_cancellable_cancel (self->image_cancellable);
  g_clear_object (&self->image_cancellable);
  g_clear_pointer (&self->dataset, pt_dataset_unref);
  g_clear_pointer (&self->tokenizer, pt_model_tokenizer_unref);
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_RECORD_DETAIL);
  G_OBJECT_CLASS (pt_record_detail_parent_class)->dispose (object);
}

static void
pt_record_detail_finalize (GObject *object)
{
  PtRecordDetail *self = PT_RECORD_DETAIL (object);

  g_free (self->hint);
  g_free (self->template_);
  G_OBJECT_CLASS (pt_record_detail_parent_class)->finalize (object);
}

static void
pt_record_detail_class_init (PtRecordDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_record_detail_dispose;
  object_class->finalize = pt_record_detail_finalize;

  signals[CLOSE_REQUESTED] =
    g_signal_new ("close-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[NAVIGATE] =
    g_signal_new ("navigate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

  gtk_widget_class_install_action (widget_class, "detail.close", NULL, close_action);
  gtk_widget_class_install_action (widget_class, "detail.previous", NULL, navigate_action);
  gtk_widget_class_install_action (widget_class, "detail.next", NULL, navigate_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "detail.close", NULL);

  g_type_ensure (PT_TYPE_TOKEN_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-record-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, title_label);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, prev_button);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, next_button);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, image_frame);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, picture);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, image_status);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, image_status_icon);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, image_status_label);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, image_caption);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, problem_label);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, fields_grid);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, prompt_label);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, prefix_warning);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, tokens_box);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, tokens_summary);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, legend_box);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, token_view);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, truncation_warning);
  gtk_widget_class_bind_template_child (widget_class, PtRecordDetail, tokenizer_hint);
}

static void
add_legend (PtRecordDetail *self,
            const char     *role,
            const char     *text,
            const char     *tooltip)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *swatch = gtk_label_new (NULL);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (swatch, "token");
  gtk_widget_add_css_class (swatch, "swatch");
  gtk_widget_add_css_class (swatch, role);
  gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), swatch);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_set_tooltip_text (box, tooltip);
  gtk_box_append (self->legend_box, box);
}

static void
pt_record_detail_init (PtRecordDetail *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  add_legend (self, "image", _("Image"), _("Image tokens: attended in both directions, no loss"));
  add_legend (self, "prefix", _("Prefix"), _("<bos>, the prompt and “\\n”: attended in both directions, no loss"));
  add_legend (self, "suffix", _("Suffix"), _("The answer and <eos>: causal attention, the loss is computed on these"));
  self->n_text_tokens = -1;
  set_image_status (self, PT_DETAIL_IMAGE_NONE, NULL);
}
