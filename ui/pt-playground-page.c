/* pt-playground-page.c — the Playground page: images, the prompt and the
 * answers. The tuned-model list and asking are in pt-playground-page-models.c. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>            /* strstr */

#include "pt-playground-page-private.h"
#include "pt-texture.h"        /* pt_texture_new_from_image */

/* Display copies are at most this many pixels on their longer side. */
#define DISPLAY_SIZE 1600
#define THUMB_SIZE   56

G_DEFINE_FINAL_TYPE (PtPlaygroundPage, pt_playground_page, ADW_TYPE_BIN)

/* ---- images ---- */

static void
play_image_clear (PlayImage *item)
{
  g_free (item->name);
  g_clear_pointer (&item->image, pt_image_free);
  g_clear_object (&item->texture);
  g_free (item->prompt);
  for (guint s = 0; s < PT_BOXES_N_SETS; s++)
    {
      g_free (item->answers[s]);
      g_free (item->errors[s]);
    }
}

PlayImage *
pt_play_image_ref (PlayImage *item)
{
  return g_rc_box_acquire (item);
}

void
pt_play_image_unref (PlayImage *item)
{
  g_rc_box_release_full (item, (GDestroyNotify) play_image_clear);
}

/* Takes image. */
static PlayImage *
play_image_new (const char *name,
                PtImage    *image)
{
  PlayImage *item = g_rc_box_new0 (PlayImage);
  g_autoptr(PtImage) display = NULL;

  item->name = g_strdup (name);
  item->image = image;
  if (MAX (image->width, image->height) > DISPLAY_SIZE)
    display = pt_image_thumbnail (image, DISPLAY_SIZE);
  item->texture = pt_texture_new_from_image (display != NULL ? display : image);
  return item;
}

void
pt_playground_page_toast (PtPlaygroundPage *self,
                          const char       *text)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
}

static PlayImage *
selected_item (PtPlaygroundPage *self)
{
  return self->selected < self->items->len ? self->items->pdata[self->selected] : NULL;
}

static void
format_time (GtkLabel *label,
             double    ms)
{
  g_autofree char *text = NULL;

  if (ms <= 0)
    text = g_strdup ("");
  else if (ms < 1000)
    text = g_strdup_printf (_("%.0f ms"), ms);
  else
    text = g_strdup_printf (_("%.1f s"), ms / 1000);
  gtk_label_set_text (label, text);
}

static void
show_answer (PtPlaygroundPage *self,
             PtBoxSet          which,
             GtkLabel         *label,
             GtkLabel         *time,
             PlayImage        *item,
             const char       *placeholder)
{
  const char *answer = item != NULL ? item->answers[which] : NULL;
  const char *error = item != NULL ? item->errors[which] : NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (label), "dim-label");
  gtk_widget_remove_css_class (GTK_WIDGET (label), "error");
  if (error != NULL)
    {
      gtk_label_set_text (label, error);
      gtk_widget_add_css_class (GTK_WIDGET (label), "error");
    }
  else if (answer != NULL && strstr (answer, "<seg") != NULL)
    {
      /* the box is drawn; the mask is 16 codes of PaliGemma's VQ-VAE */
      g_autofree char *text = g_strdup_printf ("%s\n%s", answer,
                                               _("The <seg> codes describe a mask; drawing it needs "
                                                 "PaliGemma's VAE decoder, which PaliTune does not include. "
                                                 "The box is shown."));
      gtk_label_set_text (label, text);
    }
  else if (answer != NULL)
    gtk_label_set_text (label, *answer != '\0' ? answer : _("(an empty answer)"));
  else
    {
      gtk_label_set_text (label, placeholder);
      gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
    }
  if (answer != NULL && *answer == '\0')
    gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
  format_time (time, answer != NULL && item != NULL ? item->ms[which] : 0);
  pt_image_boxes_set_answer (self->image_view, which, answer);
}

/* The cards and the boxes show the selected image's answers. */
void
pt_playground_page_update_answers (PtPlaygroundPage *self)
{
  PlayImage *item;
  gboolean tuned;

  if (self->models == NULL)   /* disposed */
    return;
  item = selected_item (self);
  tuned = pt_playground_page_has_tuned (self);

  gtk_label_set_text (self->base_title, self->result_labels[PT_BOXES_BASE] != NULL
                                        ? self->result_labels[PT_BOXES_BASE] : _("Base model"));
  gtk_label_set_text (self->tuned_title, self->result_labels[PT_BOXES_TUNED] != NULL
                                         ? self->result_labels[PT_BOXES_TUNED] : _("Tuned model"));
  show_answer (self, PT_BOXES_BASE, self->base_answer, self->base_time, item,
               self->base_model_dir != NULL ? _("Ask to see the base model’s answer")
                                            : _("Choose a model folder on the Train page"));
  show_answer (self, PT_BOXES_TUNED, self->tuned_answer, self->tuned_time, item,
               tuned ? _("Ask to see the tuned model’s answer")
                     : _("Choose a run or an adapter above to compare"));
}

static void
update_image_label (PtPlaygroundPage *self)
{
  PlayImage *item = selected_item (self);
  g_autofree char *text = NULL;

  if (item == NULL)
    return;
  if (self->items->len > 1)
    /* Translators: "cat.png · 640 × 480 · 2 of 5" */
    text = g_strdup_printf (_("%s · %d × %d · %u of %u"), item->name, item->image->width, item->image->height,
                            self->selected + 1, self->items->len);
  else
    text = g_strdup_printf (_("%s · %d × %d"), item->name, item->image->width, item->image->height);
  gtk_label_set_text (self->image_label, text);
}

void
pt_playground_page_select_image (PtPlaygroundPage *self,
                                 guint             index)
{
  PlayImage *item;

  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));

  if (index >= self->items->len)
    return;
  self->selected = index;
  item = self->items->pdata[index];
  pt_image_boxes_set_paintable (self->image_view, GDK_PAINTABLE (item->texture));
  if (!gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (item->button)))
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (item->button), TRUE);
  update_image_label (self);
  pt_playground_page_update_answers (self);
}

static void
thumb_toggled_cb (GtkToggleButton  *button,
                  PtPlaygroundPage *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  for (guint i = 0; i < self->items->len; i++)
    if (((PlayImage *) self->items->pdata[i])->button == GTK_WIDGET (button) && i != self->selected)
      pt_playground_page_select_image (self, i);
}

/* Takes item. */
static void
add_item (PtPlaygroundPage *self,
          PlayImage        *item)
{
  /* a square of THUMB_SIZE whatever the image's size */
  GtkWidget *picture = gtk_image_new_from_paintable (GDK_PAINTABLE (item->texture));
  GtkWidget *first = self->items->len > 0 ? ((PlayImage *) self->items->pdata[0])->button : NULL;

  gtk_image_set_pixel_size (GTK_IMAGE (picture), THUMB_SIZE);
  item->button = gtk_toggle_button_new ();
  gtk_button_set_child (GTK_BUTTON (item->button), picture);
  gtk_widget_set_tooltip_text (item->button, item->name);
  gtk_widget_add_css_class (item->button, "playground-thumb");
  if (first != NULL)
    gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (item->button), GTK_TOGGLE_BUTTON (first));
  g_signal_connect (item->button, "toggled", G_CALLBACK (thumb_toggled_cb), self);
  gtk_box_append (self->thumbs_box, item->button);
  g_ptr_array_add (self->items, item);

  gtk_stack_set_visible_child_name (self->stack, "image");
  pt_playground_page_select_image (self, self->items->len - 1);
  pt_playground_page_update_actions (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->question_entry));
}

static void
clear_items (PtPlaygroundPage *self)
{
  for (guint i = 0; i < self->items->len; i++)
    gtk_box_remove (self->thumbs_box, ((PlayImage *) self->items->pdata[i])->button);
  g_ptr_array_set_size (self->items, 0);
  self->selected = 0;
  pt_image_boxes_set_paintable (self->image_view, NULL);
  for (guint s = 0; s < PT_BOXES_N_SETS; s++)
    pt_image_boxes_set_answer (self->image_view, s, NULL);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  pt_playground_page_update_actions (self);
}

guint
pt_playground_page_get_n_images (PtPlaygroundPage *self)
{
  g_return_val_if_fail (PT_IS_PLAYGROUND_PAGE (self), 0);
  return self->items->len;
}

const PtImage *
pt_playground_page_get_image (PtPlaygroundPage *self,
                              guint             index)
{
  g_return_val_if_fail (PT_IS_PLAYGROUND_PAGE (self), NULL);

  return index < self->items->len ? ((PlayImage *) self->items->pdata[index])->image : NULL;
}

gboolean
pt_playground_page_set_image (PtPlaygroundPage *self,
                              GFile            *file,
                              GError          **error)
{
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  PtImage *image;

  g_return_val_if_fail (PT_IS_PLAYGROUND_PAGE (self), FALSE);

  if (pt_playground_models_is_busy (self->models) && file != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("The models are answering"));
      return FALSE;
    }
  if (file == NULL)
    {
      if (!pt_playground_models_is_busy (self->models))
        clear_items (self);
      return TRUE;
    }
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Only local files can be opened"));
      return FALSE;
    }
  image = pt_image_load (path, NULL, error);
  if (image == NULL)
    return FALSE;
  clear_items (self);
  name = g_file_get_basename (file);
  add_item (self, play_image_new (name, image));
  return TRUE;
}

/* ---- decoding in a worker thread ---- */

static void
decode_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = g_file_get_basename (file);
  GError *error = NULL;
  PtImage *image;

  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Only local files can be opened"));
      return;
    }
  image = pt_image_load (path, NULL, &error);
  if (image == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, play_image_new (name, image), (GDestroyNotify) pt_play_image_unref);
}

static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  PtPlaygroundPage *self = PT_PLAYGROUND_PAGE (source);
  g_autoptr(GError) error = NULL;
  PlayImage *item = g_task_propagate_pointer (G_TASK (result), &error);

  if (item != NULL)
    {
      add_item (self, item);
      return;
    }
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      GFile *file = g_task_get_task_data (G_TASK (result));
      g_autofree char *name = g_file_get_basename (file);
      /* Translators: a file that is not an image, and why */
      g_autofree char *text = g_strdup_printf (_("“%s” is not an image PaliTune can read"), name);
      pt_playground_page_toast (self, text);
      g_debug ("%s", error->message);
    }
}

void
pt_playground_page_add_files (PtPlaygroundPage  *self,
                              GFile            **files,
                              guint              n)
{
  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GTask) task = g_task_new (self, self->cancellable, decoded_cb, NULL);
      g_task_set_task_data (task, g_object_ref (files[i]), g_object_unref);
      g_task_run_in_thread (task, decode_thread);
    }
}

/* A pasted or dropped picture (not a file): its pixels, alpha dropped. */
static void
add_texture (PtPlaygroundPage *self,
             GdkTexture       *texture,
             const char       *name)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  g_autofree guint8 *rgba = g_malloc ((gsize) w * h * 4);
  PtImage *image = pt_image_new (w, h);

  gdk_texture_download (texture, rgba, (gsize) w * 4);
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      /* gdk_texture_download gives premultiplied B, G, R, A in memory order
       * on little-endian machines (CAIRO_FORMAT_ARGB32) */
      guint8 a = rgba[4 * i + 3];
      for (int c = 0; c < 3; c++)
        {
          guint v = rgba[4 * i + 2 - c];
          image->data[3 * i + c] = a == 0 ? 0 : (guint8) MIN (255, (v * 255 + a / 2) / a);
        }
    }
  add_item (self, play_image_new (name, image));
}

/* ---- the chooser, paste, drop ---- */

static void
chooser_response_cb (GtkNativeDialog  *dialog,
                     int               response,
                     PtPlaygroundPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      guint n = g_list_model_get_n_items (files);
      g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < n; i++)
        g_ptr_array_add (list, g_list_model_get_item (files, i));
      pt_playground_page_add_files (self, (GFile **) list->pdata, list->len);
    }
  g_clear_object (&self->chooser);
}

void
pt_playground_page_open_image (PtPlaygroundPage *self)
{
  g_autoptr(GtkFileFilter) images = gtk_file_filter_new ();
  GtkRoot *root;

  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Open Images"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
  gtk_file_filter_set_name (images, _("Images"));
  gtk_file_filter_add_pixbuf_formats (images);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), images);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  pt_playground_page_open_image (PT_PLAYGROUND_PAGE (widget));
}

static void
paste_files_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PtPlaygroundPage) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);

  if (value != NULL && G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);
      g_autoptr(GPtrArray) list = g_ptr_array_new ();
      for (GSList *l = files; l != NULL; l = l->next)
        g_ptr_array_add (list, l->data);
      pt_playground_page_add_files (self, (GFile **) list->pdata, list->len);
    }
  else
    pt_playground_page_toast (self, _("The clipboard holds no image"));
}

static void
paste_texture_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PtPlaygroundPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);

  if (texture != NULL)
    add_texture (self, texture, _("Pasted image"));
  else
    pt_playground_page_toast (self, _("The clipboard holds no image"));
}

static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  PtPlaygroundPage *self = PT_PLAYGROUND_PAGE (widget);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, self->cancellable,
                                    paste_files_cb, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, self->cancellable, paste_texture_cb, g_object_ref (self));
  else
    pt_playground_page_toast (self, _("The clipboard holds no image"));
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  pt_playground_page_set_image (PT_PLAYGROUND_PAGE (widget), NULL, NULL);
}

static gboolean
drop_cb (GtkDropTarget    *target,
         const GValue     *value,
         double            x,
         double            y,
         PtPlaygroundPage *self)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      g_autoptr(GPtrArray) list = g_ptr_array_new ();
      for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
        g_ptr_array_add (list, l->data);
      pt_playground_page_add_files (self, (GFile **) list->pdata, list->len);
      return list->len > 0;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      GFile *file = g_value_get_object (value);
      pt_playground_page_add_files (self, &file, 1);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      add_texture (self, g_value_get_object (value), _("Dropped image"));
      return TRUE;
    }
  return FALSE;
}

/* ---- the prompt ---- */

static const char *const prefix_words[] = { "answer", "caption", "describe", "detect", NULL };

char *
pt_playground_page_dup_prompt (PtPlaygroundPage *self)
{
  guint prefix = gtk_drop_down_get_selected (self->prefix_dropdown);
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->question_entry))));

  switch (prefix)
    {
    case PT_PROMPT_ANSWER:
      if (*text == '\0')
        return NULL;
      if (self->prompt_template != NULL && strstr (self->prompt_template, "{question}") != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (self->prompt_template, "{question}", 2);
          return g_strconcat (parts[0], text, parts[1], NULL);
        }
      return g_strconcat ("answer ", text, NULL);
    case PT_PROMPT_CAPTION:
    case PT_PROMPT_DESCRIBE:
      /* a language code; PaliGemma's mix checkpoints know "en" */
      return g_strconcat (prefix_words[prefix], " ", *text != '\0' ? text : "en", NULL);
    case PT_PROMPT_DETECT:
    case PT_PROMPT_SEGMENT:
      if (*text == '\0')
        return NULL;
      return g_strconcat (prefix == PT_PROMPT_DETECT ? "detect " : "segment ", text, NULL);
    case PT_PROMPT_OCR:
      return g_strdup ("ocr");
    case PT_PROMPT_FREE:
    default:
      return *text != '\0' ? g_steal_pointer (&text) : NULL;
    }
}

static void
update_prompt (PtPlaygroundPage *self)
{
  static const char *const placeholders[] = {
    N_("A question about the image, e.g. what color is the circle?"),
    N_("A language code, e.g. en"),
    N_("A language code, e.g. en"),
    N_("What to find, e.g. circle ; star"),
    N_("Nothing to add: the model reads the text in the image"),
    N_("What to outline, e.g. circle"),
    N_("The whole prompt, as the model sees it"),
  };
  guint prefix = MIN (gtk_drop_down_get_selected (self->prefix_dropdown), G_N_ELEMENTS (placeholders) - 1);
  g_autofree char *prompt = pt_playground_page_dup_prompt (self);
  g_autofree char *shown = NULL;

  gtk_entry_set_placeholder_text (self->question_entry, _(placeholders[prefix]));
  /* Translators: the exact prompt the models get */
  shown = prompt != NULL ? g_strdup_printf (_("Prompt: %s"), prompt) : g_strdup ("");
  gtk_label_set_text (self->prompt_label, shown);
  pt_playground_page_update_actions (self);
}

static void
prompt_changed_cb (GObject          *object,
                   GParamSpec       *pspec,
                   PtPlaygroundPage *self)
{
  update_prompt (self);
}

static void
entry_activate_cb (GtkEntry         *entry,
                   PtPlaygroundPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "playground.ask", NULL);
}

void
pt_playground_page_set_prompt (PtPlaygroundPage *self,
                               PtPromptPrefix    prefix,
                               const char       *text)
{
  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));

  gtk_drop_down_set_selected (self->prefix_dropdown, prefix);
  gtk_editable_set_text (GTK_EDITABLE (self->question_entry), text != NULL ? text : "");
  update_prompt (self);
}

/* ---- what the application sets ---- */

void
pt_playground_page_set_base_model (PtPlaygroundPage *self,
                                   const char       *model_dir)
{
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));

  if (g_strcmp0 (model_dir, self->base_model_dir) == 0)
    return;
  g_free (self->base_model_dir);
  self->base_model_dir = g_strdup (model_dir);
  if (model_dir != NULL)
    {
      name = g_path_get_basename (model_dir);
      /* Translators: the base model, e.g. "Base: paligemma-3b-pt-224 (the Train page's model)" */
      text = g_strdup_printf (_("Base: %s (the Train page’s model)"), name);
    }
  gtk_label_set_text (self->base_label, text != NULL ? text : _("No base model: choose one on the Train page"));
  pt_playground_page_update_answers (self);
  pt_playground_page_update_actions (self);
}

void
pt_playground_page_set_device (PtPlaygroundPage *self,
                               const char       *device)
{
  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));

  g_free (self->device);
  self->device = g_strdup (device);
}

void
pt_playground_page_set_prompt_template (PtPlaygroundPage *self,
                                        const char       *template_)
{
  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));

  g_free (self->prompt_template);
  self->prompt_template = g_strdup (template_);
  update_prompt (self);
}

const char *
pt_playground_page_get_answer (PtPlaygroundPage *self,
                               PtBoxSet          which)
{
  PlayImage *item;

  g_return_val_if_fail (PT_IS_PLAYGROUND_PAGE (self), NULL);
  g_return_val_if_fail (which < PT_BOXES_N_SETS, NULL);

  item = selected_item (self);
  return item != NULL ? item->answers[which] : NULL;
}

void
pt_playground_page_show_answers (PtPlaygroundPage *self,
                                 const char       *base_answer,
                                 const char       *tuned_answer)
{
  PlayImage *item;

  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));

  item = selected_item (self);
  if (item == NULL)
    return;
  g_free (item->answers[PT_BOXES_BASE]);
  g_free (item->answers[PT_BOXES_TUNED]);
  item->answers[PT_BOXES_BASE] = g_strdup (base_answer);
  item->answers[PT_BOXES_TUNED] = g_strdup (tuned_answer);
  for (guint s = 0; s < PT_BOXES_N_SETS; s++)
    {
      g_clear_pointer (&item->errors[s], g_free);
      item->ms[s] = 0;
    }
  pt_playground_page_update_answers (self);
}

PtImageBoxes *
pt_playground_page_get_image_view (PtPlaygroundPage *self)
{
  g_return_val_if_fail (PT_IS_PLAYGROUND_PAGE (self), NULL);
  return self->image_view;
}

void
pt_playground_page_update_actions (PtPlaygroundPage *self)
{
  gboolean busy, can_ask;
  g_autofree char *prompt = NULL;

  if (self->models == NULL)   /* disposed */
    return;
  busy = pt_playground_models_is_busy (self->models);
  prompt = pt_playground_page_dup_prompt (self);
  can_ask = !busy && self->items->len > 0 && prompt != NULL
            && (self->base_model_dir != NULL || pt_playground_page_has_tuned (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "playground.ask", can_ask);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "playground.clear", !busy && self->items->len > 0);
  gtk_stack_set_visible_child_name (self->ask_stack, busy ? "busy" : "label");
  gtk_spinner_set_spinning (self->ask_spinner, busy);
  if (busy)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->ask_button), _("The models are answering…"));
  else if (self->base_model_dir == NULL && !pt_playground_page_has_tuned (self))
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->ask_button), _("Choose a model folder on the Train page first"));
  else if (prompt == NULL)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->ask_button), _("Type a prompt first"));
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->ask_button), _("Ask Both Models About Every Image"));
}

/* ---- GObject ---- */

GtkWidget *
pt_playground_page_new (void)
{
  return g_object_new (PT_TYPE_PLAYGROUND_PAGE, NULL);
}

static void
pt_playground_page_dispose (GObject *object)
{
  PtPlaygroundPage *self = PT_PLAYGROUND_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  /* the bin's child may be a template child: unparent it before the template lets go of it */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_PLAYGROUND_PAGE);
  pt_playground_page_dispose_models (self);
  G_OBJECT_CLASS (pt_playground_page_parent_class)->dispose (object);
}

static void
pt_playground_page_finalize (GObject *object)
{
  PtPlaygroundPage *self = PT_PLAYGROUND_PAGE (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_free (self->base_model_dir);
  g_free (self->device);
  g_free (self->prompt_template);
  G_OBJECT_CLASS (pt_playground_page_parent_class)->finalize (object);
}

static void
pt_playground_page_class_init (PtPlaygroundPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_playground_page_dispose;
  object_class->finalize = pt_playground_page_finalize;

  gtk_widget_class_install_action (widget_class, "playground.open-image", NULL, open_image_action);
  gtk_widget_class_install_action (widget_class, "playground.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "playground.clear", NULL, clear_action);
  pt_playground_page_class_init_models (widget_class);

  g_type_ensure (PT_TYPE_IMAGE_BOXES);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-playground-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PtPlaygroundPage, name)
  BIND (toasts);
  BIND (tuned_dropdown);
  BIND (base_label);
  BIND (stack);
  BIND (image_view);
  BIND (thumbs_box);
  BIND (image_label);
  BIND (prefix_dropdown);
  BIND (question_entry);
  BIND (ask_button);
  BIND (ask_stack);
  BIND (ask_spinner);
  BIND (prompt_label);
  BIND (base_title);
  BIND (base_time);
  BIND (base_answer);
  BIND (tuned_title);
  BIND (tuned_time);
  BIND (tuned_answer);
  BIND (tuned_card);
#undef BIND
}

static void
pt_playground_page_init (PtPlaygroundPage *self)
{
  GtkDropTarget *drop;
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, GDK_TYPE_TEXTURE };

  gtk_widget_init_template (GTK_WIDGET (self));

  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_play_image_unref);
  self->cancellable = g_cancellable_new ();
  self->models = pt_playground_models_new ();

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  g_signal_connect (self->prefix_dropdown, "notify::selected", G_CALLBACK (prompt_changed_cb), self);
  g_signal_connect (self->question_entry, "notify::text", G_CALLBACK (prompt_changed_cb), self);
  g_signal_connect (self->question_entry, "activate", G_CALLBACK (entry_activate_cb), self);

  pt_playground_page_init_models (self);
  pt_playground_page_set_base_model (self, NULL);
  gtk_label_set_text (self->base_label, _("No base model: choose one on the Train page"));
  update_prompt (self);
  pt_playground_page_update_answers (self);
}
