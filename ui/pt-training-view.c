/* pt-training-view.c — the live half of the Train page. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>                 /* isfinite */
#include <string.h>               /* strchr, memmove */

#include "pt-eval-samples.h"
#include "pt-step-breakdown.h"
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
  GtkLabel         *status_label;
  GtkProgressBar   *progress_bar;
  gboolean          smooth;
  gboolean          log_scale;
  GtkLabel         *step_line;
  PtLossChart      *loss_chart;
  PtLossChart      *lr_chart;
  PtLossChart      *grad_norm_chart;
  PtLossChart      *throughput_chart;
  PtLossChart      *accuracy_chart;
  PtLossChart      *memory_chart;
  PtStepBreakdown  *breakdown;
  PtEvalSamples    *eval_samples;
  int               total_steps;     /* the charts' x range, 0 = automatic */
  int               best_step;       /* the best checkpoint's step, 0 = none */
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

static void set_x_range (PtTrainingView *self, int total);

/* Translators: llm.c's speed line before the first step; keep it as short as
 * the line with numbers ("step 12/24 | loss 2.3456 | norm 1.02 | …") */
#define EMPTY_STEP_LINE _("step – | loss – | norm – | lr – | – ms | – samples/s")

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
  if (g_str_equal (name, "accuracy"))
    return self->accuracy_chart;
  if (g_str_equal (name, "memory"))
    return self->memory_chart;
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
  pt_loss_chart_clear (self->accuracy_chart);
  pt_loss_chart_clear (self->memory_chart);
  set_x_range (self, 0);
  self->best_step = 0;
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_text (self->progress_label, _("Not started"));
  gtk_label_set_text (self->step_line, EMPTY_STEP_LINE);
  gtk_label_set_text (self->status_label, "");
  pt_step_breakdown_set_times (self->breakdown, NULL);
  pt_eval_samples_set_samples (self->eval_samples, 0, NULL);
}

void
pt_training_view_set_status (PtTrainingView *self,
                             const char     *text)
{
  g_return_if_fail (PT_IS_TRAINING_VIEW (self));

  gtk_label_set_text (self->status_label, text != NULL ? text : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), text);
}

/* "2e-05" → "2e-5" */
static char *
format_lr (double lr)
{
  g_autofree char *text = g_strdup_printf ("%.1e", lr);
  char *e = strchr (text, 'e');

  if (e != NULL && (e[1] == '-' || e[1] == '+') && e[2] == '0' && e[3] != '\0')
    memmove (e + 2, e + 3, strlen (e + 3) + 1);
  return g_steal_pointer (&text);
}

/* llm.c's line: "step 12/24 | loss 2.3456 | norm 1.02 | lr 2.0e-5 | 35 ms | 57.1 samples/s" */
static char *
step_line (const PtStepMetrics *m)
{
  g_autofree char *lr = format_lr (m->lr);

  /* Translators: step/steps | loss | gradient norm | learning rate | milliseconds per
   * step | samples per second; the last %s is empty or " | skipped" */
  return g_strdup_printf (_("step %d/%d | loss %.4f | norm %.2f | lr %s | %.0f ms | %.1f samples/s%s"),
                          m->step, m->total_steps, m->loss, m->grad_norm, lr, m->step_ms,
                          m->samples_per_s, m->skipped ? _(" | skipped") : "");
}

static void
set_x_range (PtTrainingView *self,
             int             total)
{
  PtLossChart *charts[] = { self->loss_chart, self->lr_chart, self->grad_norm_chart, self->throughput_chart,
                            self->accuracy_chart, self->memory_chart };

  if (total == self->total_steps)
    return;
  self->total_steps = total;
  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    pt_loss_chart_set_x_range (charts[i], 0, total);
}

void
pt_training_view_add_steps (PtTrainingView      *self,
                            const PtStepMetrics *m,
                            guint                n)
{
  g_autofree double *xs = NULL;
  g_autofree double *ys = NULL;
  const PtStepMetrics *last;
  g_autofree char *line = NULL;
  double parts[PT_STEP_N_PARTS];
  struct {
    PtLossChart *chart;
    const char  *series;
    gsize        offset;
    gboolean     integer;
  } series[] = {
    { self->loss_chart, "train", G_STRUCT_OFFSET (PtStepMetrics, loss), FALSE },
    { self->lr_chart, "lr", G_STRUCT_OFFSET (PtStepMetrics, lr), FALSE },
    { self->grad_norm_chart, "grad_norm", G_STRUCT_OFFSET (PtStepMetrics, grad_norm), FALSE },
    { self->throughput_chart, "samples_per_s", G_STRUCT_OFFSET (PtStepMetrics, samples_per_s), FALSE },
    { self->memory_chart, "memory", G_STRUCT_OFFSET (PtStepMetrics, memory_in_use), TRUE },
  };

  g_return_if_fail (PT_IS_TRAINING_VIEW (self));
  g_return_if_fail (m != NULL || n == 0);

  if (n == 0)
    return;
  last = &m[n - 1];
  set_x_range (self, last->total_steps);

  xs = g_new (double, n);
  ys = g_new (double, n);
  for (guint i = 0; i < n; i++)
    xs[i] = m[i].step;
  for (guint k = 0; k < G_N_ELEMENTS (series); k++)
    {
      guint used = 0;
      for (guint i = 0; i < n; i++)
        {
          const void *field = G_STRUCT_MEMBER_P ((gpointer) &m[i], series[k].offset);
          double y = series[k].integer ? (double) *(const guint64 *) field : *(const double *) field;
          /* a skipped step's loss is not a point of the curve */
          if (!isfinite (y) || (m[i].skipped && k == 0))
            continue;
          xs[used] = m[i].step;
          ys[used] = y;
          used++;
        }
      pt_loss_chart_append_many (series[k].chart, series[k].series, xs, ys, used);
    }

  pt_training_view_set_progress (self, last->step, last->total_steps, last->eta_s);
  line = step_line (last);
  gtk_label_set_text (self->step_line, line);
  parts[PT_STEP_PART_DATA] = last->data_ms;
  parts[PT_STEP_PART_FORWARD] = last->forward_ms;
  parts[PT_STEP_PART_BACKWARD] = last->backward_ms;
  parts[PT_STEP_PART_OPTIMIZER] = last->optim_ms;
  pt_step_breakdown_set_times (self->breakdown, parts);
}

void
pt_training_view_add_eval (PtTrainingView      *self,
                           const PtEvalMetrics *m)
{
  g_return_if_fail (PT_IS_TRAINING_VIEW (self));
  g_return_if_fail (m != NULL);

  if (isfinite (m->val_loss))
    pt_loss_chart_append (self->loss_chart, "val", m->step, m->val_loss);
  if (isfinite (m->vqa_accuracy))
    pt_loss_chart_append (self->accuracy_chart, "vqa_accuracy", m->step, 100 * m->vqa_accuracy);
  if (isfinite (m->exact_match))
    pt_loss_chart_append (self->accuracy_chart, "exact_match", m->step, 100 * m->exact_match);
  if (m->is_best)
    {
      self->best_step = m->step;
      /* Translators: the marker of the best checkpoint on the charts */
      pt_loss_chart_set_marker (self->loss_chart, "best", m->step, _("best"));
      pt_loss_chart_set_marker (self->accuracy_chart, "best", m->step, _("best"));
    }
  pt_eval_samples_set_samples (self->eval_samples, m->step, m->samples);
}

int
pt_training_view_get_best_step (PtTrainingView *self)
{
  g_return_val_if_fail (PT_IS_TRAINING_VIEW (self), 0);
  return self->best_step;
}

double
pt_training_view_get_progress (PtTrainingView *self)
{
  g_return_val_if_fail (PT_IS_TRAINING_VIEW (self), 0);
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

const char *
pt_training_view_get_step_line (PtTrainingView *self)
{
  g_return_val_if_fail (PT_IS_TRAINING_VIEW (self), NULL);
  return gtk_label_get_text (self->step_line);
}

const char *
pt_training_view_get_status (PtTrainingView *self)
{
  g_return_val_if_fail (PT_IS_TRAINING_VIEW (self), NULL);
  return gtk_label_get_text (self->status_label);
}

PtStepBreakdown *
pt_training_view_get_breakdown (PtTrainingView *self)
{
  g_return_val_if_fail (PT_IS_TRAINING_VIEW (self), NULL);
  return self->breakdown;
}

PtEvalSamples *
pt_training_view_get_eval_samples (PtTrainingView *self)
{
  g_return_val_if_fail (PT_IS_TRAINING_VIEW (self), NULL);
  return self->eval_samples;
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

  gtk_label_set_text (self->step_line, line != NULL ? line : EMPTY_STEP_LINE);
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
  g_type_ensure (PT_TYPE_STEP_BREAKDOWN);
  g_type_ensure (PT_TYPE_EVAL_SAMPLES);
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
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, accuracy_chart);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, memory_chart);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, status_label);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, breakdown);
  gtk_widget_class_bind_template_child (widget_class, PtTrainingView, eval_samples);
}

static void
pt_training_view_init (PtTrainingView *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source != NULL ? g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE) : NULL;
  PtLossChart *charts[6];

  gtk_widget_init_template (GTK_WIDGET (self));
  charts[0] = self->loss_chart;
  charts[1] = self->lr_chart;
  charts[2] = self->grad_norm_chart;
  charts[3] = self->throughput_chart;
  charts[4] = self->accuracy_chart;
  charts[5] = self->memory_chart;

  pt_loss_chart_add_series (self->loss_chart, "train", _("Training"), PT_CHART_SERIES_AREA, NULL);
  pt_loss_chart_add_series (self->loss_chart, "val", _("Validation"), PT_CHART_SERIES_POINTS, NULL);
  pt_loss_chart_add_series (self->lr_chart, "lr", _("Learning rate"), PT_CHART_SERIES_LINE, NULL);
  pt_loss_chart_add_series (self->grad_norm_chart, "grad_norm", _("Norm"), PT_CHART_SERIES_LINE, NULL);
  pt_loss_chart_add_series (self->throughput_chart, "samples_per_s", _("Samples/s"), PT_CHART_SERIES_AREA, NULL);
  pt_loss_chart_add_series (self->accuracy_chart, "vqa_accuracy", _("VQA"), PT_CHART_SERIES_POINTS, NULL);
  /* Translators: a chart legend beside "VQA"; keep it short: a narrow
     chart leaves out the legend entries that do not fit */
  pt_loss_chart_add_series (self->accuracy_chart, "exact_match", C_("chart legend", "Exact match"),
                            PT_CHART_SERIES_POINTS, NULL);
  pt_loss_chart_add_series (self->memory_chart, "memory", _("In use"), PT_CHART_SERIES_AREA, NULL);

  /* smoothing applies to the noisy per-step charts, not to the (exact)
   * learning rate, the memory or the evaluations */
  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    if (charts[i] != self->lr_chart && charts[i] != self->memory_chart && charts[i] != self->accuracy_chart)
      g_object_bind_property (self, "smooth", charts[i], "smooth", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "log-scale", self->loss_chart, "log-y", G_BINDING_SYNC_CREATE);
  if (schema != NULL)
    {
      self->settings = g_settings_new (SCHEMA_ID);
      g_settings_bind (self->settings, "chart-smooth", self, "smooth", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "chart-log-scale", self, "log-scale", G_SETTINGS_BIND_DEFAULT);
    }

  gtk_label_set_text (self->step_line, EMPTY_STEP_LINE);
  update_buttons (self);
}
