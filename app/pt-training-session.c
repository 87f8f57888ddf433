/* pt-training-session.c — one training run on its own thread, seen from the main loop. */
#include "config.h"

#include <glib/gi18n.h>
#ifdef __linux__
#include <errno.h>          /* errno */
#include <sys/resource.h>   /* setpriority */
#include <sys/syscall.h>    /* SYS_gettid */
#include <unistd.h>         /* syscall */
#endif

#include "pt-error.h"
#include "pt-training-ranks.h"     /* the other GPUs of an all-GPUs run */
#include "pt-training-session.h"

struct _PtTrainingSession
{
  GObject         parent_instance;

  PtSessionState  state;
  char           *run_dir;
  char           *message;
  int             step;
  int             total_steps;
  guint           n_dispatches;
  gint64          max_dispatch_us;  /* longest time the main loop spent in one dispatch */

  /* the running job; only the main thread touches these pointers */
  GThread        *thread;
  PtTrainer      *trainer;
  PtRun          *run;
  PtTrainingRanks *ranks;           /* an all-GPUs run: the trainers of GPUs 1 … n-1, or NULL */

  GMainContext   *context;          /* where signals are emitted: the creator's */

  /* filled by the trainer thread, drained on the main thread */
  GMutex          lock;
  GArray         *pending_steps;    /* PtStepMetrics */
  GPtrArray      *pending_events;   /* Event* in order */
  gboolean        dispatch_queued;
};

typedef enum { EVENT_EVAL, EVENT_LOG, EVENT_STATUS, EVENT_STEPS, EVENT_DONE } EventKind;

typedef struct {
  EventKind      kind;
  PtEvalMetrics *eval;
  char          *text;
  PtRunStatus    status;
  gboolean       ok;
  guint          n_steps;    /* EVENT_STEPS: how many queued steps it stands for */
} Event;

G_DEFINE_FINAL_TYPE (PtTrainingSession, pt_training_session, G_TYPE_OBJECT)

enum { PROP_0, PROP_STATE, PROP_MESSAGE, PROP_STEP, PROP_RUN_DIR, N_PROPS };
enum { SIGNAL_STEPS, SIGNAL_EVAL, SIGNAL_LOG, SIGNAL_FINISHED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
event_free (Event *e)
{
  g_clear_pointer (&e->eval, pt_eval_metrics_free);
  g_free (e->text);
  g_free (e);
}

static PtEvalMetrics *
eval_copy (const PtEvalMetrics *m)
{
  PtEvalMetrics *c = g_new0 (PtEvalMetrics, 1);

  *c = *m;
  c->details = m->details ? json_node_copy (m->details) : NULL;
  c->predictions = NULL;
  c->samples = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_eval_sample_free);
  for (guint i = 0; m->samples != NULL && i < m->samples->len; i++)
    {
      const PtEvalSample *s = m->samples->pdata[i];
      PtEvalSample *d = g_new0 (PtEvalSample, 1);
      d->record = s->record;
      d->image_path = g_strdup (s->image_path);
      d->question = g_strdup (s->question);
      d->answer = g_strdup (s->answer);
      d->prediction = g_strdup (s->prediction);
      g_ptr_array_add (c->samples, d);
    }
  return c;
}

static void
set_state (PtTrainingSession *self, PtSessionState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_message (PtTrainingSession *self, const char *message)
{
  if (g_strcmp0 (self->message, message) == 0)
    return;
  g_free (self->message);
  self->message = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

static void
finish_job (PtTrainingSession *self, PtRunStatus status, const char *text)
{
  if (self->thread != NULL)
    g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->trainer, pt_trainer_free);
  g_clear_pointer (&self->ranks, pt_training_ranks_free);
  g_clear_pointer (&self->run, pt_run_free);
  set_state (self, PT_SESSION_IDLE);
  set_message (self, text);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, status, text);
}

/* Main thread: deliver everything the trainer queued, in order. */
static gboolean
dispatch (gpointer data)
{
  PtTrainingSession *self = data;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GArray) steps = NULL;
  gint64 start = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  events = g_steal_pointer (&self->pending_events);
  self->pending_events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  steps = g_steal_pointer (&self->pending_steps);
  self->pending_steps = g_array_new (FALSE, FALSE, sizeof (PtStepMetrics));
  self->dispatch_queued = FALSE;
  g_mutex_unlock (&self->lock);

  self->n_dispatches++;
  for (guint i = 0; i < events->len; i++)
    {
      Event *e = events->pdata[i];
      switch (e->kind)
        {
        case EVENT_STEPS:
          /* every step queued up to here (steps before an eval come first) */
          if (steps->len > 0)
            {
              guint n = MIN (e->n_steps, steps->len);
              if (n > 0)
                {
                  const PtStepMetrics *last = &g_array_index (steps, PtStepMetrics, n - 1);
                  self->step = last->step;
                  self->total_steps = last->total_steps;
                  g_signal_emit (self, signals[SIGNAL_STEPS], 0, steps->data, n);
                  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
                  g_array_remove_range (steps, 0, n);
                }
            }
          break;
        case EVENT_EVAL:
          g_signal_emit (self, signals[SIGNAL_EVAL], 0, e->eval);
          break;
        case EVENT_LOG:
          g_signal_emit (self, signals[SIGNAL_LOG], 0, e->text);
          break;
        case EVENT_STATUS:
          set_message (self, e->text);
          break;
        case EVENT_DONE:
          finish_job (self, e->status, e->text);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  self->max_dispatch_us = MAX (self->max_dispatch_us, g_get_monotonic_time () - start);
  return G_SOURCE_REMOVE;
}

/* Trainer thread: a dispatch on the session's main context. Always through
 * an idle source: g_main_context_invoke would run it right here, on the
 * trainer thread, whenever the main thread is not iterating at that moment. */
static void
schedule_dispatch (PtTrainingSession *self)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, dispatch, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[palitune] training session dispatch");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* Trainer thread: queue an event (takes e) and make sure one dispatch runs. */
static void
queue_event (PtTrainingSession *self, Event *e)
{
  gboolean schedule;

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->pending_events, e);
  schedule = !self->dispatch_queued;
  self->dispatch_queued = TRUE;
  g_mutex_unlock (&self->lock);
  if (schedule)
    schedule_dispatch (self);
}

static void
step_cb (const PtStepMetrics *m, gpointer user_data)
{
  PtTrainingSession *self = user_data;
  gboolean schedule = FALSE;

  g_mutex_lock (&self->lock);
  g_array_append_val (self->pending_steps, *m);
  /* one EVENT_STEPS marker per run of steps: extend the last one if it is last */
  if (self->pending_events->len > 0
      && ((Event *) self->pending_events->pdata[self->pending_events->len - 1])->kind == EVENT_STEPS)
    {
      Event *last = self->pending_events->pdata[self->pending_events->len - 1];
      last->n_steps++;
    }
  else
    {
      Event *e = g_new0 (Event, 1);
      e->kind = EVENT_STEPS;
      e->n_steps = 1;
      g_ptr_array_add (self->pending_events, e);
    }
  if (!self->dispatch_queued)
    schedule = self->dispatch_queued = TRUE;
  g_mutex_unlock (&self->lock);
  if (schedule)
    schedule_dispatch (self);
}

static void
eval_cb (const PtEvalMetrics *m, gpointer user_data)
{
  Event *e = g_new0 (Event, 1);
  e->kind = EVENT_EVAL;
  e->eval = eval_copy (m);
  queue_event (user_data, e);
}

static void
log_cb (const char *line, gpointer user_data)
{
  Event *e = g_new0 (Event, 1);
  e->kind = EVENT_LOG;
  e->text = g_strdup (line);
  queue_event (user_data, e);
}

static void
status_cb (PtRunStatus status, const char *message, gpointer user_data)
{
  Event *e = g_new0 (Event, 1);
  e->kind = EVENT_STATUS;
  e->status = status;
  e->text = g_strdup (message);
  queue_event (user_data, e);
}

/* The trainer (and the threads it starts) yields the CPU to the main loop:
 * on a busy machine the window keeps drawing while a step waits a little.
 * Linux keeps nice values per thread. */
static void
lower_thread_priority (void)
{
#ifdef __linux__
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 5) != 0)
    g_debug ("The trainer thread keeps its priority: %s", g_strerror (errno));
#endif
}

static gpointer
trainer_thread (gpointer data)
{
  PtTrainingSession *self = data;
  g_autoptr(GError) error = NULL;
  Event *e = g_new0 (Event, 1);

  lower_thread_priority ();

  e->kind = EVENT_DONE;
  e->ok = pt_trainer_run (self->trainer, &error);
  e->status = pt_run_get_status (self->run);
  if (self->ranks != NULL)
    {
      /* another GPU's failure is what stopped this one: say that one */
      g_autofree char *other = pt_training_ranks_finish (self->ranks);
      if (!e->ok && other != NULL)
        e->text = g_steal_pointer (&other);
    }
  if (!e->ok)
    {
      if (e->text == NULL)
        e->text = g_strdup (error->message);
    }
  else if (e->status == PT_RUN_PAUSED)
    e->text = g_strdup (_("Paused — resume continues where it stopped"));
  else if (e->status == PT_RUN_STOPPED)
    e->text = g_strdup (_("Stopped"));
  else
    e->text = g_strdup (_("Finished"));
  queue_event (self, e);
  g_object_unref (self);
  return NULL;
}

static gboolean
launch (PtTrainingSession *self, PtRun *run, gboolean force, GError **error)
{
  PtTrainerCallbacks cb = { step_cb, eval_cb, status_cb, log_cb, self };

  self->trainer = pt_trainer_new (run, NULL, force, &cb, error);
  if (self->trainer == NULL)
    {
      pt_run_free (run);
      return FALSE;
    }
  if (g_strcmp0 (pt_run_get_settings (run)->device, PT_DEVICE_ALL_GPUS) == 0)
    {
      g_autoptr(GPtrArray) gpus = pt_training_ranks_list_gpus ();
      /* one GPU (or none): the trainer takes cuda:0 alone (or says there is none) */
      if (gpus->len > 1)
        self->ranks = pt_training_ranks_start (run, self->trainer, (int) gpus->len, force, error);
      if (gpus->len > 1 && self->ranks == NULL)
        {
          g_clear_pointer (&self->trainer, pt_trainer_free);
          pt_run_free (run);
          return FALSE;
        }
    }
  self->run = run;
  g_free (self->run_dir);
  self->run_dir = g_strdup (pt_run_get_dir (run));
  self->step = pt_run_get_step (run);
  self->total_steps = pt_run_get_total_steps (run);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN_DIR]);
  set_state (self, PT_SESSION_RUNNING);
  set_message (self, _("Starting…"));
  self->thread = g_thread_new ("palitune-trainer", trainer_thread, g_object_ref (self));
  return TRUE;
}

static gboolean
check_idle (PtTrainingSession *self, GError **error)
{
  if (self->state != PT_SESSION_IDLE || self->thread != NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   _("A training run is already in progress"));
      return FALSE;
    }
  return TRUE;
}

gboolean
pt_training_session_start (PtTrainingSession     *self,
                           const PtTrainSettings *settings,
                           const char            *runs_root,
                           GError               **error)
{
  g_autofree char *root = NULL;
  PtRun *run;

  g_return_val_if_fail (PT_IS_TRAINING_SESSION (self), FALSE);
  g_return_val_if_fail (settings != NULL, FALSE);

  if (!check_idle (self, error) || !pt_train_settings_validate (settings, error))
    return FALSE;
  root = runs_root ? g_strdup (runs_root) : pt_runs_default_root ();
  run = pt_run_create (root, NULL, settings, error);
  if (run == NULL)
    return FALSE;
  return launch (self, run, FALSE, error);
}

gboolean
pt_training_session_resume (PtTrainingSession *self,
                            const char        *run_dir,
                            gboolean           force,
                            GError           **error)
{
  PtRun *run;

  g_return_val_if_fail (PT_IS_TRAINING_SESSION (self), FALSE);
  g_return_val_if_fail (run_dir != NULL, FALSE);

  if (!check_idle (self, error))
    return FALSE;
  run = pt_run_open (run_dir, error);
  if (run == NULL)
    return FALSE;
  if (pt_run_get_status (run) == PT_RUN_FINISHED)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, _("This run has already finished"));
      pt_run_free (run);
      return FALSE;
    }
  return launch (self, run, force, error);
}

void
pt_training_session_pause (PtTrainingSession *self)
{
  g_return_if_fail (PT_IS_TRAINING_SESSION (self));

  if (self->trainer == NULL || self->state != PT_SESSION_RUNNING)
    return;
  pt_trainer_request_pause (self->trainer);
  set_state (self, PT_SESSION_PAUSING);
  set_message (self, _("Pausing after this step…"));
}

void
pt_training_session_stop (PtTrainingSession *self)
{
  g_return_if_fail (PT_IS_TRAINING_SESSION (self));

  if (self->trainer == NULL || self->state == PT_SESSION_IDLE)
    return;
  pt_trainer_request_stop (self->trainer);
  if (self->ranks != NULL)
    pt_training_ranks_stop (self->ranks);
  set_state (self, PT_SESSION_STOPPING);
  set_message (self, _("Stopping after this step…"));
}

void
pt_training_session_join (PtTrainingSession *self)
{
  g_return_if_fail (PT_IS_TRAINING_SESSION (self));

  if (self->thread != NULL)
    {
      g_thread_join (g_steal_pointer (&self->thread));
      /* deliver what the thread queued, the end included */
      while (g_main_context_iteration (self->context, FALSE))
        ;
    }
}

PtSessionState pt_training_session_get_state (PtTrainingSession *self) { return self->state; }
const char *pt_training_session_get_run_dir (PtTrainingSession *self) { return self->run_dir; }
const char *pt_training_session_get_message (PtTrainingSession *self) { return self->message; }
int pt_training_session_get_step (PtTrainingSession *self) { return self->step; }
int pt_training_session_get_total_steps (PtTrainingSession *self) { return self->total_steps; }
guint pt_training_session_get_n_dispatches (PtTrainingSession *self) { return self->n_dispatches; }
gint64 pt_training_session_get_max_dispatch_us (PtTrainingSession *self) { return self->max_dispatch_us; }

static void
pt_training_session_dispose (GObject *object)
{
  PtTrainingSession *self = PT_TRAINING_SESSION (object);

  /* the thread holds a reference while it runs: here it has ended */
  g_clear_pointer (&self->trainer, pt_trainer_free);
  g_clear_pointer (&self->ranks, pt_training_ranks_free);
  g_clear_pointer (&self->run, pt_run_free);
  G_OBJECT_CLASS (pt_training_session_parent_class)->dispose (object);
}

static void
pt_training_session_finalize (GObject *object)
{
  PtTrainingSession *self = PT_TRAINING_SESSION (object);

  g_clear_pointer (&self->pending_steps, g_array_unref);
  g_clear_pointer (&self->pending_events, g_ptr_array_unref);
  g_mutex_clear (&self->lock);
  g_main_context_unref (self->context);
  g_free (self->run_dir);
  g_free (self->message);
  G_OBJECT_CLASS (pt_training_session_parent_class)->finalize (object);
}

static void
pt_training_session_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  PtTrainingSession *self = PT_TRAINING_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case PROP_STEP:
      g_value_set_int (value, self->step);
      break;
    case PROP_RUN_DIR:
      g_value_set_string (value, self->run_dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_training_session_class_init (PtTrainingSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pt_training_session_dispose;
  object_class->finalize = pt_training_session_finalize;
  object_class->get_property = pt_training_session_get_property;

  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, PT_SESSION_IDLE, PT_SESSION_STOPPING,
                                             PT_SESSION_IDLE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STEP] = g_param_spec_int ("step", NULL, NULL, 0, G_MAXINT, 0,
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUN_DIR] = g_param_spec_string ("run-dir", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_STEPS] = g_signal_new ("steps", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                        G_TYPE_POINTER, G_TYPE_UINT);
  signals[SIGNAL_EVAL] = g_signal_new ("eval", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_LOG] = g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_INT, G_TYPE_STRING);
}

static void
pt_training_session_init (PtTrainingSession *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref_thread_default ();
  self->pending_steps = g_array_new (FALSE, FALSE, sizeof (PtStepMetrics));
  self->pending_events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
}

PtTrainingSession *
pt_training_session_new (void)
{
  return g_object_new (PT_TYPE_TRAINING_SESSION, NULL);
}
