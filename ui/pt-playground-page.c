/* pt-playground-page.c — the Playground page: drop or open an image, ask about it. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-playground-page.h"

struct _PtPlaygroundPage
{
  AdwBin                parent_instance;

  GtkFileChooserNative *chooser;

  AdwToastOverlay      *toasts;
  GtkStack             *stack;
  GtkPicture           *picture;
  GtkLabel             *image_label;
  GtkEntry             *question_entry;
  GtkButton            *ask_button;
};

G_DEFINE_FINAL_TYPE (PtPlaygroundPage, pt_playground_page, ADW_TYPE_BIN)

gboolean
pt_playground_page_set_image (PtPlaygroundPage *self,
                              GFile            *file,
                              GError          **error)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (PT_IS_PLAYGROUND_PAGE (self), FALSE);

  if (file == NULL)
    {
      gtk_picture_set_paintable (self->picture, NULL);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return TRUE;
    }
  texture = gdk_texture_new_from_file (file, error);
  if (texture == NULL)
    return FALSE;
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  name = g_file_get_basename (file);
  gtk_label_set_text (self->image_label, name);
  gtk_stack_set_visible_child_name (self->stack, "image");
  gtk_widget_grab_focus (GTK_WIDGET (self->question_entry));
  return TRUE;
}

static void
show_image (PtPlaygroundPage *self,
            GFile            *file)
{
  g_autoptr(GError) error = NULL;

  if (!pt_playground_page_set_image (self, file, &error))
    {
      g_autofree char *name = g_file_get_basename (file);
      /* Translators: a file that is not an image, and why */
      g_autofree char *text = g_strdup_printf (_("“%s” is not an image PaliTune can read"), name);
      adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
      g_debug ("%s", error->message);
    }
}

static void
chooser_response_cb (GtkNativeDialog  *dialog,
                     int               response,
                     PtPlaygroundPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file != NULL)
        show_image (self, file);
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
  self->chooser = gtk_file_chooser_native_new (_("Open an Image"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
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

static gboolean
drop_cb (GtkDropTarget    *target,
         const GValue     *value,
         double            x,
         double            y,
         PtPlaygroundPage *self)
{
  if (!G_VALUE_HOLDS (value, G_TYPE_FILE))
    return FALSE;
  show_image (self, g_value_get_object (value));
  return TRUE;
}

GtkWidget *
pt_playground_page_new (void)
{
  return g_object_new (PT_TYPE_PLAYGROUND_PAGE, NULL);
}

static void
pt_playground_page_dispose (GObject *object)
{
  PtPlaygroundPage *self = PT_PLAYGROUND_PAGE (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  /* the bin's child may be a template child: unparent it before the template lets go of it */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_PLAYGROUND_PAGE);
  G_OBJECT_CLASS (pt_playground_page_parent_class)->dispose (object);
}

static void
pt_playground_page_class_init (PtPlaygroundPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_playground_page_dispose;

  gtk_widget_class_install_action (widget_class, "playground.open-image", NULL, open_image_action);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-playground-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PtPlaygroundPage, toasts);
  gtk_widget_class_bind_template_child (widget_class, PtPlaygroundPage, stack);
  gtk_widget_class_bind_template_child (widget_class, PtPlaygroundPage, picture);
  gtk_widget_class_bind_template_child (widget_class, PtPlaygroundPage, image_label);
  gtk_widget_class_bind_template_child (widget_class, PtPlaygroundPage, question_entry);
  gtk_widget_class_bind_template_child (widget_class, PtPlaygroundPage, ask_button);
}

static void
pt_playground_page_init (PtPlaygroundPage *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));

  drop = gtk_drop_target_new (G_TYPE_FILE, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}
