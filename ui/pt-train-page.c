/* pt-train-page.c — the Train page: settings sidebar and live view. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-train-page.h"

struct _PtTrainPage
{
  AdwBin               parent_instance;

  AdwFlap             *flap;
  PtTrainSettingsView *settings_view;
  PtTrainingView      *training_view;
};

G_DEFINE_FINAL_TYPE (PtTrainPage, pt_train_page, ADW_TYPE_BIN)

/* Start needs valid settings: their message becomes its tooltip. */
static void
settings_valid_cb (PtTrainSettingsView *view,
                   GParamSpec          *pspec,
                   PtTrainPage         *self)
{
  pt_training_view_set_blocker (self->training_view,
                                pt_train_settings_view_get_valid (view) ? NULL
                                : pt_train_settings_view_get_message (view));
}

GtkWidget *
pt_train_page_new (void)
{
  return g_object_new (PT_TYPE_TRAIN_PAGE, NULL);
}

PtTrainSettingsView *
pt_train_page_get_settings_view (PtTrainPage *self)
{
  g_return_val_if_fail (PT_IS_TRAIN_PAGE (self), NULL);

  return self->settings_view;
}

PtTrainingView *
pt_train_page_get_training_view (PtTrainPage *self)
{
  g_return_val_if_fail (PT_IS_TRAIN_PAGE (self), NULL);

  return self->training_view;
}

static void
pt_train_page_dispose (GObject *object)
{
  /* the bin's child may be a template child: unparent it before the template lets go of it */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_TYPE_TRAIN_PAGE);
  G_OBJECT_CLASS (pt_train_page_parent_class)->dispose (object);
}

static void
pt_train_page_class_init (PtTrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_train_page_dispose;

  g_type_ensure (PT_TYPE_TRAIN_SETTINGS_VIEW);
  g_type_ensure (PT_TYPE_TRAINING_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-train-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PtTrainPage, flap);
  gtk_widget_class_bind_template_child (widget_class, PtTrainPage, settings_view);
  gtk_widget_class_bind_template_child (widget_class, PtTrainPage, training_view);
}

static void
pt_train_page_init (PtTrainPage *self)
{
  GtkToggleButton *toggle;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* on a narrow window the settings fold over the charts; a toggle shows them */
  toggle = pt_training_view_get_settings_toggle (self->training_view);
  g_object_bind_property (self->flap, "folded", toggle, "visible", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->flap, "reveal-flap", toggle, "active",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);

  g_signal_connect_object (self->settings_view, "notify::valid", G_CALLBACK (settings_valid_cb), self, 0);
  g_signal_connect_object (self->settings_view, "notify::message", G_CALLBACK (settings_valid_cb), self, 0);
  settings_valid_cb (self->settings_view, NULL, self);
}
