/* pt-training-view.c — the live half of the Train page. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-training-view.h"

#define SCHEMA_ID "io.github.palitune.PaliTune"

struct _PtTrainingView
{
  AdwBin            parent_instance;

  GSettings        *settings;
  PtTrainingState   state;
  gboolean          session_ready;
  char             *blocker;

  GtkToggleButton  *settings_toggle;
  GtkButton        *start_button;
  AdwButtonContent *start_content;
  GtkButton        *pause_button;
  GtkButton        *stop_button;
  GtkLabel         *progress_label;
  GtkProgressBar   *progress_bar;
  gboolean          smooth;
  gboolean          log_scale;
  GtkLabel         *step_line;
  PtLossChart      *loss_chart;
  PtLossChart      *lr_chart;
  PtLossChart      *grad_norm_chart;
  PtLossChart      *throughput_chart;
};

G_DEFINE_FINAL_TYPE (PtTrainingView, pt_training_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SMOOTH,
  PROP_LOG_SCALE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  START_REQUESTED,
  PAUSE_REQUESTED,
  STOP_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *const empty_step_line = "step – | loss – | norm – | lr – | – ms | MFU – | – tok/s";

/* Sensitivity and tooltips of Start / Pause / Stop from the state. */
static void
update_buttons (PtTrainingView *self)
{
  gboolean can_start = pt_training_view_get_can_start (self);
  gboolean running = self->state == PT_TRAINING_RUNNING;
  gboolean paused = self->state == PT_TRAINING_PAUSED;
  const char *start_tip;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "training.start", can_start);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "training.pause", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "training.stop", running || paused);

  adw_button_content_set_label (self->start_content, paused ? _("_Resume") : _("_Start"));
  if (!self->session_ready)
    start_tip = _("Training is not available in this build yet");
  else if (self->blocker != NULL && self->state == PT_TRAINING_IDLE)
    start_tip = self->blocker;
  else if (running || self->state == PT_TRAINING_STOPPING)
    start_tip = _("A run is in progress");
  else
    start_tip = paused ? _("Resume Training") : _("Start Training");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->start_button), start_tip);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button),
                               running ? _("Pause After This Step") : _("Pause (while training)"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->stop_button),
                               running || paused ? _("Stop and Keep the Last Checkpoint") : _("Stop (while training)"));
}

static void
start_action (GtkWidget *widget, const char *name, GVariant *param)
{
  g_signal_emit (widget, signals[START_REQUESTED], 0);
}

static void
pause_action (GtkWidget *widget, const char *name, GVariant *param)
{
  g_signal_emit (widget, signals[PAUSE_REQUESTED], 0);
}

static void
stop_action (GtkWidget *widget, const char *name, GVariant *param)
{
  g_signal_emit (widget, signals[STOP_REQUESTED], 0);
}

GtkWidget *
pt_training_view_new (void)
{
  return g_object_new (PT_TYPE_TRAINING_VIEW, NULL);
}

PtLossChart *
pt_training_view_get_chart (PtTrainingView *self,
                            const char     *name)
{
  g_return_val_if_fail (PT_IS_TRAINING_VIEW (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (g_str_equal (name, "loss"))
    return self->loss_chart;
  if (g_str_equal (name, "lr"))
    return self->lr_chart;
  if (g_str_equal (name, "grad-norm"))
    return self->grad_norm_chart;
  if (g_str_equal (name, "throughput"))
    return self->throughput_chart;
  g_return_val_if_reached (NULL);
}

void
pt_training_view_clear (PtTrainingView *self)
{
  g_return_if_fail (PT_IS_TRAINING_VIEW (self));

  pt_loss_chart_clear (self->loss_chart);
  pt_loss_chart_clear (self->lr_chart);
  pt_loss_chart_clear (self->grad_norm_chart);
  pt_loss_chart_clear (self->throughput_chart);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_text (self->progress_label, _("Not started"));
  gtk_label_set_text (self->step_line, empty_step_line);
}

void
pt_training_view_set_session_ready (PtTrainingView *self,
                                    gboolean        ready)
{
  g_return_if_fail (PT_IS_TRAINING_VIEW (self));

  self->session_ready = !!ready;
  update_buttons (self);
}

void
pt_training_view_set_blocker (PtTrainingView *self,
                              const char     *why_not)
{
  g_return_if_fail (PT_IS_TRAINING_VIEW (self));

  g_free (self->blocker);
  self->blocker = g_strdup (why_not);
  update_buttons (self);
}

gboolean
pt_training_view_get_can_start (PtTrainingView *self)
{
  g_return_val_if_fail (PT_IS_TRAINING_VIEW (self), FALSE);

  if (self->state == PT_TRAINING_PAUSED)
    return self->session_ready;
  return self->session_ready && self->blocker == NULL && self->state == PT_TRAINING_IDLE;
}

void
pt_training_view_set_state (PtTrainingView  *self,
                            PtTrainingState  state)
{
  g_return_if_fail (PT_IS_TRAINING_VIEW (self));

  self->state = state;
  update_buttons (self);
}

PtTrainingState
pt_training_view_get_state (PtTrainingView *self)
{
  g_return_val_if_fail (PT_IS_TRAINING_VIEW (self), PT_TRAINING_IDLE);

  return self->state;
}

void
pt_training_view_set_progress (PtTrainingView *self,
                               guint64         step,
                               guint64         total,
                               double          eta_seconds)
{
  g_autofree char *text = NULL;
  g_autofree char *step_text = NULL;
  g_autofree char *total_text = NULL;

  g_return_if_fail (PT_IS_TRAINING_VIEW (self));

  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? MIN (1.0, (double) step / total) : 0);
  step_text = g_strdup_printf ("%'" G_GUINT64_FORMAT, step);
  total_text = g_strdup_printf ("%'" G_GUINT64_FORMAT, total);
  if (eta_seconds >= 0)
    {
      guint64 s = (guint64) (eta_seconds + 0.5);
      g_autofree char *eta = s >= 3600 ? g_strdup_printf ("%u:%02u:%02u", (guint) (s / 3600), (guint) (s / 60 % 60), (guint) (s % 60))
                                       : g_strdup_printf ("%u:%02u", (guint) (s / 60), (guint) (s % 60));
      /* Translators: "Step 120 of 6,000 · 1:02:03 left" */
      text = g_strdup_printf (_("Step %s of %s · %s left"), step_text, total_text, eta);
    }
  else
    /* Translators: "Step 120 of 6,000" */
    text = g_strdup_printf (_("Step %s of %s"), step_text, total_text);
  gtk_label_set_text (self->progress_label, text);
}

void
pt_training_view_set_step_line (PtTrainingView *self,
                                const char     *line)
{
  g_return_if_fail (PT_IS_TRAINING_VIEW (self));

  gtk_label_set_text (self->step_line, line != NULL ? line : empty_step_line);
}

GtkToggleButton *
pt_training_view_get_settings_toggle (PtTrainingView *self)
{
  g_return_val_if_fail (PT_IS_TRAINING_VIEW (self), NULL);

  return self->settings_toggle;
}

static void
pt_training_view_dispose (GObject *object)
{
  PtTrainingView *self = PT_TRAINING_VIEW (object);

  g_clear_object (&self->settings);
  /* the bin's child may be a template child: unparent it before the template lets go of it */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_TRAINING_VIEW);
  G_OBJECT_CLASS (pt_training_view_parent_class)->dispose (object);
}

static void
pt_training_view_finalize (GObject *object)
{
  PtTrainingView *self = PT_TRAINING_VIEW (object);

  g_clear_pointer (&self->blocker, g_free);
  G_OBJECT_CLASS (pt_training_view_parent_class)->finalize (object);
}

static void
pt_training_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PtTrainingView *self = PT_TRAINING_VIEW (object);

  switch (prop_id)
    {
    case PROP_SMOOTH:
      g_value_set_boolean (value, self->smooth);
      break;
    case PROP_LOG_SCALE:
      g_value_set_boolean (value, self->log_scale);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_training_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  PtTrainingView *self = PT_TRAINING_VIEW (object);
  gboolean b = g_value_get_boolean (value);

  switch (prop_id)
    {
    case PROP_SMOOTH:
      if (b != self->smooth)
        {
          self->smooth = b;
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_LOG_SCALE:
      if (b != self->log_scale)
        {
          self->log_scale = b;
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_training_view_class_init (PtTrainingViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_training_view_dispose;
  object_class->finalize = pt_training_view_finalize;
  object_class->get_property = pt_training_view_get_property;
  object_class->set_property = pt_training_view_set_property;

  /* Chart options (the ⋮ menu), saved in GSettings. */
  properties[PROP_SMOOTH] =
    g_param_spec_boolean ("smooth", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_SCALE] =
    g_param_spec_boolean ("log-scale", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_install_property_action (widget_class, "charts.smooth", "smooth");
  gtk_widget_class_install_property_action (widget_class, "charts.log-scale", "log-scale");

  signals[START_REQUESTED] = g_signal_new ("start-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[PAUSE_REQUESTED] = g_signal_new ("pause-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[STOP_REQUESTED] = g_signal_new ("stop-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "training.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "training.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "training.stop", NULL, stop_action);

  g_type_ensure (PT_TYPE_LOSS_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-training-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, settings_toggle);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, start_button);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, start_content);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, pause_button);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, stop_button);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, progress_label);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, step_line);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, loss_chart);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, lr_chart);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, grad_norm_chart);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, throughput_chart);
}

static void
pt_training_view_init (PtTrainingView *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source != NULL ? g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE) : NULL;
  PtLossChart *charts[4];

  gtk_widget_init_template (GTK_WIDGET (self));
  charts[0] = self->loss_chart;
  charts[1] = self->lr_chart;
  charts[2] = self->grad_norm_chart;
  charts[3] = self->throughput_chart;

  pt_loss_chart_add_series (self->loss_chart, "train", _("Training"), PT_CHART_SERIES_AREA, NULL);
  pt_loss_chart_add_series (self->loss_chart, "val", _("Validation"), PT_CHART_SERIES_POINTS, NULL);
  pt_loss_chart_add_series (self->lr_chart, "lr", _("Learning rate"), PT_CHART_SERIES_LINE, NULL);
  pt_loss_chart_add_series (self->grad_norm_chart, "grad_norm", _("Norm"), PT_CHART_SERIES_LINE, NULL);
  pt_loss_chart_add_series (self->throughput_chart, "tokens_per_s", _("Tokens/s"), PT_CHART_SERIES_AREA, NULL);

  /* smoothing applies to every chart except the (exact) learning rate */
  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    if (charts[i] != self->lr_chart)
      g_object_bind_property (self, "smooth", charts[i], "smooth", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "log-scale", self->loss_chart, "log-y", G_BINDING_SYNC_CREATE);
  if (schema != NULL)
    {
      self->settings = g_settings_new (SCHEMA_ID);
      g_settings_bind (self->settings, "chart-smooth", self, "smooth", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "chart-log-scale", self, "log-scale", G_SETTINGS_BIND_DEFAULT);
    }

  gtk_label_set_text (self->step_line, empty_step_line);
  update_buttons (self);
}
