/* pt-train-controller.c — the training session wired to the Train page. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>                        /* strstr */

#include "pt-error.h"
#include "pt-run.h"                        /* pt_run_open, pt_run_check_inputs */
#include "pt-train-controller-private.h"

G_DEFINE_FINAL_TYPE (PtTrainController, pt_train_controller, G_TYPE_OBJECT)

#define CONTROLLER_KEY "pt-train-controller"

/* ---- helpers ---- */

PtTrainSettingsView *
pt_train_controller_settings_view (PtTrainController *self)
{
  return self->window != NULL ? pt_train_page_get_settings_view (pt_window_get_train_page (self->window)) : NULL;
}

PtTrainingView *
pt_train_controller_training_view (PtTrainController *self)
{
  return self->window != NULL ? pt_train_page_get_training_view (pt_window_get_train_page (self->window)) : NULL;
}

void
pt_train_controller_toast (PtTrainController *self,
                           const char        *text)
{
  if (self->window != NULL)
    pt_window_add_toast (self->window, adw_toast_new (text));
}

void
pt_train_controller_error_dialog (PtTrainController *self,
                                  const char        *heading,
                                  const char        *message,
                                  const char        *hint)
{
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  g_debug ("%s: %s", heading, message);
  if (self->window == NULL)
    return;
  body = hint != NULL ? g_strdup_printf ("%s\n\n%s", message, hint) : g_strdup (message);
  dialog = adw_message_dialog_new (GTK_WINDOW (self->window), heading, body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

/* What to do about a failed run, from what the message says. */
static const char *
failure_hint (const char *message)
{
  g_autofree char *lower = g_utf8_strdown (message != NULL ? message : "", -1);

  if (strstr (lower, "does not exist") != NULL || strstr (lower, "no such") != NULL)
    return _("Check that the file or folder named above is still there (it may have moved), choose it again, then start again.");
  if (strstr (lower, "memory") != NULL || strstr (lower, "allocate") != NULL)
    return _("Lower the batch size or the maximum text length, or use QLoRA, then start again.");
  if (strstr (lower, "nan") != NULL || strstr (lower, "non-finite") != NULL || strstr (lower, "infinite") != NULL)
    return _("Lower the learning rate, or turn on skipping non-finite steps, then start again.");
  if (strstr (lower, "image") != NULL || strstr (lower, "dataset") != NULL || strstr (lower, "line ") != NULL)
    return _("Check the dataset on the Data page, fix or remove what it names, then start again.");
  if (strstr (lower, "model") != NULL || strstr (lower, "config") != NULL || strstr (lower, "tokenizer") != NULL)
    return _("Check that the model folder holds a complete PaliGemma checkpoint, then start again.");
  return _("Check the settings and the files named above, then start again.");
}

/* A new run or the end of one replaces what the last end said. */
static void
dismiss_run_toast (PtTrainController *self)
{
  if (self->run_toast != NULL)
    adw_toast_dismiss (self->run_toast);
  g_clear_weak_pointer (&self->run_toast);
}

/* ---- the buttons follow the session ---- */

static void
update_view_state (PtTrainController *self)
{
  PtTrainingView *view = pt_train_controller_training_view (self);
  PtTrainingState state;

  if (view == NULL)
    return;
  switch (pt_training_session_get_state (self->session))
    {
    case PT_SESSION_RUNNING:
      state = PT_TRAINING_RUNNING;
      break;
    case PT_SESSION_PAUSING:
    case PT_SESSION_STOPPING:
      state = PT_TRAINING_STOPPING;
      break;
    case PT_SESSION_IDLE:
    default:
      state = self->paused_run_dir != NULL ? PT_TRAINING_PAUSED : PT_TRAINING_IDLE;
      break;
    }
  pt_training_view_set_state (view, state);
}

static void
session_state_cb (PtTrainingSession *session,
                  GParamSpec        *pspec,
                  PtTrainController *self)
{
  update_view_state (self);
}

static void
session_message_cb (PtTrainingSession *session,
                    GParamSpec        *pspec,
                    PtTrainController *self)
{
  PtTrainingView *view = pt_train_controller_training_view (self);

  if (view != NULL)
    pt_training_view_set_status (view, pt_training_session_get_message (session));
}

static void
session_steps_cb (PtTrainingSession *session,
                  gpointer           metrics,
                  guint              n,
                  PtTrainController *self)
{
  PtTrainingView *view = pt_train_controller_training_view (self);
  const PtStepMetrics *m = metrics;

  if (view != NULL)
    pt_training_view_add_steps (view, m, n);
  /* the time estimate follows the live pace (step 1 pays for warm-up) */
  if (n > 0 && m[n - 1].step_s_avg > 0)
    self->live_step_s = m[n - 1].step_s_avg;   /* the trainer's average (pt_metrics_average_step_time) */
  /* the estimate follows the pace once a second at most */
  if (self->live_step_s > 0 && self->run_key != NULL
      && g_get_monotonic_time () - self->live_shown > G_USEC_PER_SEC)
    {
      self->live_shown = g_get_monotonic_time ();
      g_free (self->speed_key);
      self->speed_key = g_strdup (self->run_key);
      self->speed_s = self->live_step_s;
      self->speed_note = _("From the pace of the last run");
      pt_train_controller_update_estimate (self);
    }
}

static void
session_eval_cb (PtTrainingSession *session,
                 gpointer           metrics,
                 PtTrainController *self)
{
  PtTrainingView *view = pt_train_controller_training_view (self);

  if (view != NULL)
    pt_training_view_add_eval (view, metrics);
}

static void
session_log_cb (PtTrainingSession *session,
                const char        *line,
                PtTrainController *self)
{
  g_debug ("trainer: %s", line);
}

/* A desktop notification, when a notification service is there to show
 * it (GLib warns when there is none: a bare X server, a test). */
typedef struct {
  GApplication  *app;
  GNotification *notification;
  guint          asked;     /* which service name was asked about */
} Notify;

static const char *const notification_services[] = { "org.gtk.Notifications", "org.freedesktop.Notifications" };

static void ask_service (Notify *n);

static void
notify_free (Notify *n)
{
  g_object_unref (n->app);
  g_object_unref (n->notification);
  g_free (n);
}

static void
has_owner_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Notify *n = data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  if (owned)
    {
      g_application_send_notification (n->app, "run-ended", n->notification);
      notify_free (n);
    }
  else if (++n->asked < G_N_ELEMENTS (notification_services))
    ask_service (n);
  else
    notify_free (n);
}

static void
ask_service (Notify *n)
{
  GDBusConnection *bus = g_application_get_dbus_connection (n->app);

  if (bus == NULL)
    {
      notify_free (n);
      return;
    }
  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "NameHasOwner", g_variant_new ("(s)", notification_services[n->asked]),
                          G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 1000, NULL, has_owner_cb, n);
}

static void
notify_desktop (PtTrainController *self,
                const char        *title,
                const char        *body)
{
  GApplication *app;
  Notify *n;

  if (self->window == NULL || gtk_window_is_active (GTK_WINDOW (self->window)))
    return;
  app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self->window)));
  if (app == NULL || !g_application_get_is_registered (app))
    return;
  n = g_new0 (Notify, 1);
  n->app = g_object_ref (app);
  n->notification = g_notification_new (title);
  g_notification_set_body (n->notification, body);
  /* in a sandbox the portal shows it */
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_application_send_notification (app, "run-ended", n->notification);
      notify_free (n);
      return;
    }
  ask_service (n);
}

static void
show_playground_cb (AdwToast          *toast,
                    PtTrainController *self)
{
  if (self->window != NULL)
    pt_window_show_page (self->window, "playground");
}

static void
session_finished_cb (PtTrainingSession *session,
                     int                status,
                     const char        *message,
                     PtTrainController *self)
{
  const char *run_dir = pt_training_session_get_run_dir (session);
  int step = pt_training_session_get_step (session);
  g_autofree char *text = NULL;
  PtPlaygroundPage *playground = self->window != NULL ? pt_window_get_playground_page (self->window) : NULL;

  g_clear_pointer (&self->paused_run_dir, g_free);
  g_clear_pointer (&self->run_key, g_free);
  self->started_here = FALSE;
  switch ((PtRunStatus) status)
    {
    case PT_RUN_PAUSED:
      self->paused_run_dir = g_strdup (run_dir);
      /* Translators: a toast when training paused */
      text = g_strdup_printf (_("Paused at step %d — Resume continues from there"), step);
      break;
    case PT_RUN_STOPPED:
      text = g_strdup_printf (_("Stopped at step %d — its checkpoints are kept in Runs"), step);
      break;
    case PT_RUN_FINISHED:
      text = message != NULL && g_str_has_prefix (message, "Stopped early")
             ? g_strdup_printf (_("Stopped early at step %d: the validation metric stopped improving"), step)
             : g_strdup_printf (g_dngettext (NULL, "Training finished after %d step",
                                             "Training finished after %d steps", step), step);
      break;
    case PT_RUN_FAILED:
    default:
      text = g_strdup (_("Training failed"));
      break;
    }
  update_view_state (self);
  if (pt_train_controller_training_view (self) != NULL && pt_training_session_get_total_steps (session) > 0)
    /* no time left to show: the run is not running */
    pt_training_view_set_progress (pt_train_controller_training_view (self), step,
                                   pt_training_session_get_total_steps (session), -1);
  if (self->window != NULL)
    {
      AdwToast *toast = adw_toast_new (text);

      dismiss_run_toast (self);
      g_set_weak_pointer (&self->run_toast, toast);

      if (status == PT_RUN_FINISHED || status == PT_RUN_STOPPED || status == PT_RUN_PAUSED)
        {
          /* the run is what the Playground's tuned model now means */
          if (playground != NULL && run_dir != NULL)
            pt_playground_page_select_run (playground, run_dir);
          adw_toast_set_button_label (toast, _("_Try It"));
          g_signal_connect_object (toast, "button-clicked", G_CALLBACK (show_playground_cb), self, 0);
        }
      pt_window_add_toast (self->window, toast);
      notify_desktop (self, text, status == PT_RUN_FAILED && message != NULL ? message
                                  : _("Open PaliTune to see the run"));
    }
  if (status == PT_RUN_FAILED)
    pt_train_controller_error_dialog (self, _("Training Failed"), message != NULL ? message : _("Unknown error"),
                                      failure_hint (message));
  if (self->close_when_idle && self->window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->window));
}

/* ---- start, pause, resume, stop ---- */

static gboolean
start_now (PtTrainController *self,
           GError           **error)
{
  PtTrainSettingsView *sv = pt_train_controller_settings_view (self);
  PtTrainingView *view = pt_train_controller_training_view (self);
  const PtTrainSettings *s;

  if (sv == NULL)
    return FALSE;
  s = pt_train_settings_view_get_settings (sv);
  pt_training_view_clear (view);
  if (!pt_training_session_start (self->session, s, self->runs_root, error))
    return FALSE;
  g_free (self->run_key);
  self->run_key = pt_train_controller_speed_key (self, s);
  self->live_step_s = 0;
  self->started_here = TRUE;
  dismiss_run_toast (self);
  return TRUE;
}

static void
fit_response_cb (AdwMessageDialog  *dialog,
                 const char        *response,
                 PtTrainController *self)
{
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "start") == 0 && !start_now (self, &error))
    pt_train_controller_error_dialog (self, _("Training Could Not Start"), error->message,
                                      failure_hint (error->message));
}

gboolean
pt_train_controller_start (PtTrainController  *self,
                           GError            **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PT_IS_TRAIN_CONTROLLER (self), FALSE);

  if (self->paused_run_dir != NULL)
    {
      g_autofree char *run_dir = g_strdup (self->paused_run_dir);
      return pt_train_controller_resume_run (self, run_dir, error);
    }
  if (self->has_estimate && !self->estimate_fits && self->window != NULL)
    {
      /* a warning, not a refusal: the estimate can be pessimistic */
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self->window), _("This Run May Not Fit"),
                                                  self->estimate_messages != NULL ? self->estimate_messages[0] : NULL);
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                        "start", _("_Start Anyway"), NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "start",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_signal_connect_object (dialog, "response", G_CALLBACK (fit_response_cb), self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return TRUE;
    }
  if (!start_now (self, &local_error))
    {
      pt_train_controller_error_dialog (self, _("Training Could Not Start"), local_error->message,
                                        failure_hint (local_error->message));
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

void
pt_train_controller_pause (PtTrainController *self)
{
  g_return_if_fail (PT_IS_TRAIN_CONTROLLER (self));
  pt_training_session_pause (self->session);
}

void
pt_train_controller_stop (PtTrainController *self)
{
  g_return_if_fail (PT_IS_TRAIN_CONTROLLER (self));

  if (pt_training_session_get_state (self->session) == PT_SESSION_IDLE && self->paused_run_dir != NULL)
    {
      /* stopping a paused run: it stays paused on disk, resumable from Runs */
      g_clear_pointer (&self->paused_run_dir, g_free);
      update_view_state (self);
      pt_train_controller_toast (self, _("The paused run stays in Runs: resume it from there"));
      return;
    }
  pt_training_session_stop (self->session);
}

static void
start_requested_cb (PtTrainingView    *view,
                    PtTrainController *self)
{
  pt_train_controller_start (self, NULL);
}

static void
pause_requested_cb (PtTrainingView    *view,
                    PtTrainController *self)
{
  pt_train_controller_pause (self);
}

static void
stop_requested_cb (PtTrainingView    *view,
                   PtTrainController *self)
{
  pt_train_controller_stop (self);
}

/* ---- resume ---- */

static gboolean
resume_now (PtTrainController *self,
            const char        *run_dir,
            gboolean           force,
            GError           **error)
{
  PtTrainingView *view = pt_train_controller_training_view (self);
  g_autoptr(PtRun) run = NULL;

  if (view != NULL)
    pt_training_view_clear (view);
  pt_train_controller_load_history (self, run_dir);
  if (!pt_training_session_resume (self->session, run_dir, force, error))
    return FALSE;
  g_clear_pointer (&self->paused_run_dir, g_free);
  run = pt_run_open (run_dir, NULL);
  g_free (self->run_key);
  self->run_key = run != NULL ? pt_train_controller_speed_key (self, pt_run_get_settings (run)) : NULL;
  self->live_step_s = 0;
  self->started_here = TRUE;
  dismiss_run_toast (self);
  if (self->window != NULL)
    pt_window_show_page (self->window, "train");
  return TRUE;
}

static void
force_response_cb (AdwMessageDialog  *dialog,
                   const char        *response,
                   PtTrainController *self)
{
  const char *run_dir = g_object_get_data (G_OBJECT (dialog), "run-dir");
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "resume") == 0 && !resume_now (self, run_dir, TRUE, &error))
    pt_train_controller_error_dialog (self, _("The Run Could Not Resume"), error->message,
                                      failure_hint (error->message));
}

gboolean
pt_train_controller_resume_run (PtTrainController  *self,
                                const char         *run_dir,
                                GError            **error)
{
  g_autoptr(PtRun) run = NULL;
  g_autoptr(GError) changed = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PT_IS_TRAIN_CONTROLLER (self), FALSE);
  g_return_val_if_fail (run_dir != NULL, FALSE);

  if (pt_training_session_get_state (self->session) != PT_SESSION_IDLE)
    {
      g_set_error (&local_error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   _("A run is in progress: pause or stop it before resuming another"));
      goto fail;
    }
  run = pt_run_open (run_dir, &local_error);
  if (run == NULL)
    goto fail;
  if (pt_run_get_step (run) > 0 && !pt_run_check_inputs (run, &changed) && self->window != NULL)
    {
      /* the user decides: the files changed since the run started */
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self->window), _("The Run’s Files Changed"), NULL);
      adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                      _("%s.\n\nResuming would not continue the same training. Start a new run instead, or resume anyway."),
                                      changed->message);
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                        "resume", _("_Resume Anyway"), NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "resume",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      g_object_set_data_full (G_OBJECT (dialog), "run-dir", g_strdup (run_dir), g_free);
      g_signal_connect_object (dialog, "response", G_CALLBACK (force_response_cb), self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return TRUE;
    }
  if (resume_now (self, run_dir, FALSE, &local_error))
    return TRUE;

fail:
  pt_train_controller_error_dialog (self, _("The Run Could Not Resume"), local_error->message,
                                    failure_hint (local_error->message));
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* ---- closing during a run ---- */

static void
close_response_cb (AdwMessageDialog  *dialog,
                   const char        *response,
                   PtTrainController *self)
{
  if (g_strcmp0 (response, "pause") != 0)
    return;
  self->close_when_idle = TRUE;
  if (pt_training_session_get_state (self->session) == PT_SESSION_IDLE)
    {
      if (self->window != NULL)
        gtk_window_destroy (GTK_WINDOW (self->window));
      return;
    }
  pt_training_session_pause (self->session);
}

static gboolean
close_request_cb (GtkWindow         *window,
                  PtTrainController *self)
{
  GtkWidget *dialog;

  if (pt_training_session_get_state (self->session) == PT_SESSION_IDLE || self->close_when_idle)
    return FALSE;
  dialog = adw_message_dialog_new (window, _("Training Is Running"),
                                   _("Pause it to close the window: the run keeps its progress and resumes from the Runs page."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Keep Training"),
                                    "pause", _("_Pause and Close"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "pause", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (close_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* ---- the Playground follows the Train page ---- */

static void
sync_playground (PtTrainController *self)
{
  PtTrainSettingsView *sv = pt_train_controller_settings_view (self);
  const PtTrainSettings *s;
  PtPlaygroundPage *page;

  if (sv == NULL)
    return;
  s = pt_train_settings_view_get_settings (sv);
  page = pt_window_get_playground_page (self->window);
  pt_playground_page_set_base_model (page, s->model_dir);
  pt_playground_page_set_device (page, s->device);
  pt_playground_page_set_prompt_template (page, s->prompt_template);
}

static void
settings_changed_cb (PtTrainSettingsView *view,
                     PtTrainController   *self)
{
  sync_playground (self);
}

/* ---- public ---- */

PtTrainingSession *
pt_train_controller_get_session (PtTrainController *self)
{
  g_return_val_if_fail (PT_IS_TRAIN_CONTROLLER (self), NULL);
  return self->session;
}

void
pt_train_controller_set_runs_root (PtTrainController *self,
                                   const char        *runs_root)
{
  g_return_if_fail (PT_IS_TRAIN_CONTROLLER (self));

  g_free (self->runs_root);
  self->runs_root = g_strdup (runs_root);
  if (self->window != NULL)
    pt_playground_page_set_runs_root (pt_window_get_playground_page (self->window), runs_root);
}

const char *
pt_train_controller_get_runs_root (PtTrainController *self)
{
  g_return_val_if_fail (PT_IS_TRAIN_CONTROLLER (self), NULL);
  return self->runs_root;
}

gboolean
pt_train_controller_has_model_info (PtTrainController *self)
{
  g_return_val_if_fail (PT_IS_TRAIN_CONTROLLER (self), FALSE);
  return self->model_info != NULL;
}

double
pt_train_controller_get_seconds_per_step (PtTrainController *self)
{
  g_return_val_if_fail (PT_IS_TRAIN_CONTROLLER (self), 0);
  return self->speed_s;
}

gboolean
pt_train_controller_is_probing (PtTrainController *self)
{
  g_return_val_if_fail (PT_IS_TRAIN_CONTROLLER (self), FALSE);
  return self->model_cancellable != NULL || self->data_cancellable != NULL || self->speed_cancellable != NULL;
}

static void
pt_train_controller_dispose (GObject *object)
{
  PtTrainController *self = PT_TRAIN_CONTROLLER (object);

  g_cancellable_cancel (self->model_cancellable);
  g_cancellable_cancel (self->data_cancellable);
  g_cancellable_cancel (self->speed_cancellable);
  g_clear_object (&self->model_cancellable);
  g_clear_object (&self->data_cancellable);
  g_clear_object (&self->speed_cancellable);
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      /* the window is going: a running trainer pauses (keeping its progress) */
      if (pt_training_session_get_state (self->session) != PT_SESSION_IDLE)
        {
          pt_training_session_pause (self->session);
          pt_training_session_join (self->session);
        }
      g_clear_object (&self->session);
    }
  g_clear_weak_pointer (&self->window);
  g_clear_weak_pointer (&self->run_toast);
  G_OBJECT_CLASS (pt_train_controller_parent_class)->dispose (object);
}

static void
pt_train_controller_finalize (GObject *object)
{
  PtTrainController *self = PT_TRAIN_CONTROLLER (object);

  g_free (self->runs_root);
  g_free (self->paused_run_dir);
  g_free (self->run_key);
  g_free (self->model_dir);
  g_clear_pointer (&self->model_info, pt_model_info_free);
  g_free (self->data_key);
  g_free (self->data_info);
  g_free (self->speed_key);
  g_strfreev (self->estimate_messages);
  G_OBJECT_CLASS (pt_train_controller_parent_class)->finalize (object);
}

static void
pt_train_controller_class_init (PtTrainControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pt_train_controller_dispose;
  object_class->finalize = pt_train_controller_finalize;
}

static void
pt_train_controller_init (PtTrainController *self)
{
  self->session = pt_training_session_new ();
}

PtTrainController *
pt_train_controller_new (PtWindow *window)
{
  PtTrainController *self;
  PtTrainingView *view;
  PtTrainSettingsView *sv;

  g_return_val_if_fail (PT_IS_WINDOW (window), NULL);

  self = g_object_new (PT_TYPE_TRAIN_CONTROLLER, NULL);
  g_set_weak_pointer (&self->window, window);
  view = pt_train_controller_training_view (self);
  sv = pt_train_controller_settings_view (self);

  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (session_state_cb), self, 0);
  g_signal_connect_object (self->session, "notify::message", G_CALLBACK (session_message_cb), self, 0);
  g_signal_connect_object (self->session, "steps", G_CALLBACK (session_steps_cb), self, 0);
  g_signal_connect_object (self->session, "eval", G_CALLBACK (session_eval_cb), self, 0);
  g_signal_connect_object (self->session, "log", G_CALLBACK (session_log_cb), self, 0);
  g_signal_connect_object (self->session, "finished", G_CALLBACK (session_finished_cb), self, 0);

  g_signal_connect_object (view, "start-requested", G_CALLBACK (start_requested_cb), self, 0);
  g_signal_connect_object (view, "pause-requested", G_CALLBACK (pause_requested_cb), self, 0);
  g_signal_connect_object (view, "stop-requested", G_CALLBACK (stop_requested_cb), self, 0);
  g_signal_connect_object (sv, "changed", G_CALLBACK (settings_changed_cb), self, 0);
  g_signal_connect_object (window, "close-request", G_CALLBACK (close_request_cb), self, 0);

  pt_training_view_set_session_ready (view, TRUE);
  update_view_state (self);
  pt_train_controller_connect_estimate (self);
  pt_train_controller_connect_runs_page (self);
  sync_playground (self);

  /* the window keeps its controller; the controller does not keep the window */
  g_object_set_data_full (G_OBJECT (window), CONTROLLER_KEY, g_object_ref (self), g_object_unref);
  return self;
}

PtTrainController *
pt_train_controller_get_for_window (PtWindow *window)
{
  g_return_val_if_fail (PT_IS_WINDOW (window), NULL);
  return g_object_get_data (G_OBJECT (window), CONTROLLER_KEY);
}
