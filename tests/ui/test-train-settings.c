/* test-train-settings.c — the Train page's settings form against
 * PtTrainSettings: method groups, LoRA targets through JSON, validation
 * turning Start off with a message, presets, persistence, the estimate. */
#include "config.h"

#include "pt-lora-targets.h"
#include "pt-settings.h"
#include "pt-test-ui.h"
#include "pt-train-page.h"

typedef struct {
  GtkWindow           *window;
  PtTrainPage         *page;
  PtTrainSettingsView *view;
  PtTrainingView      *training;
} Fixture;

static gboolean
mapped (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

static gpointer
child (Fixture *f, const char *name)
{
  GObject *o = gtk_widget_get_template_child (GTK_WIDGET (f->view), PT_TYPE_TRAIN_SETTINGS_VIEW, name);
  g_assert_nonnull (o);
  return o;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(PtTrainSettings) defaults = pt_train_settings_new ();

  f->window = GTK_WINDOW (gtk_window_new ());
  f->page = PT_TRAIN_PAGE (pt_train_page_new ());
  f->view = pt_train_page_get_settings_view (f->page);
  f->training = pt_train_page_get_training_view (f->page);
  gtk_window_set_default_size (f->window, 1200, 800);
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  gtk_window_present (f->window);
  g_assert_true (pt_test_wait_until (mapped, f->view, 10000));
  /* every test starts from the defaults (GSettings outlives a window) */
  pt_train_settings_view_set_settings (f->view, defaults);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (f->window);
  pt_test_spin (20);
}

/* Every GtkCheckButton under widget, in tree order. */
static void
collect_checks (GtkWidget *widget, GPtrArray *out)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_CHECK_BUTTON (c))
        g_ptr_array_add (out, c);
      collect_checks (c, out);
    }
}

static GPtrArray *
tower_checks (Fixture *f, const char *row)
{
  GPtrArray *checks = g_ptr_array_new ();

  collect_checks (GTK_WIDGET (child (f, row)), checks);
  return checks;
}

static void
set_valid_inputs (Fixture *f)
{
  g_autoptr(PtTrainSettings) s = pt_train_settings_copy (pt_train_settings_view_get_settings (f->view));

  g_free (s->model_dir);
  s->model_dir = g_strdup ("/models/paligemma-3b-pt-224");
  g_free (s->data_path);
  s->data_path = g_strdup ("/data/vqa.jsonl");
  pt_train_settings_view_set_settings (f->view, s);
}

static void
test_mode_groups (Fixture *f, gconstpointer data)
{
  GtkWidget *lora = child (f, "lora_group");
  GtkWidget *full = child (f, "full_group");
  g_autofree char *path = NULL;

  g_assert_cmpint (pt_train_settings_view_get_settings (f->view)->mode, ==, PT_MODE_LORA);
  g_assert_true (gtk_widget_get_visible (lora));
  g_assert_false (gtk_widget_get_visible (full));

  adw_combo_row_set_selected (child (f, "mode_row"), PT_MODE_FULL);
  g_assert_cmpint (pt_train_settings_view_get_settings (f->view)->mode, ==, PT_MODE_FULL);
  g_assert_false (gtk_widget_get_visible (lora));
  g_assert_true (gtk_widget_get_visible (full));

  /* the full group's switches are the settings' */
  gtk_switch_set_active (child (f, "vision_switch"), TRUE);
  g_assert_true (pt_train_settings_view_get_settings (f->view)->train_vision);

  /* nothing to train is an error the form shows */
  gtk_switch_set_active (child (f, "vision_switch"), FALSE);
  gtk_switch_set_active (child (f, "projector_switch"), FALSE);
  gtk_switch_set_active (child (f, "decoder_switch"), FALSE);
  g_assert_false (pt_train_settings_view_get_valid (f->view));
  g_assert_nonnull (strstr (pt_train_settings_view_get_message (f->view), "at least one"));
  gtk_switch_set_active (child (f, "decoder_switch"), TRUE);

  adw_combo_row_set_selected (child (f, "mode_row"), PT_MODE_QLORA);
  g_assert_cmpint (pt_train_settings_view_get_settings (f->view)->mode, ==, PT_MODE_QLORA);
  g_assert_true (gtk_widget_get_visible (lora));
  g_assert_false (gtk_widget_get_visible (full));
  pt_test_spin (100);
  path = pt_test_screenshot (GTK_WIDGET (f->window), "train-settings-qlora");
}

static void
test_targets_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) vision = tower_checks (f, "vision_targets_row");
  g_autoptr(GPtrArray) text = tower_checks (f, "text_targets_row");
  g_autoptr(PtTrainSettings) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  const PtTrainSettings *s;

  g_assert_cmpuint (vision->len, ==, pt_lora_n_vision_modules ());
  g_assert_cmpuint (text->len, ==, pt_lora_n_text_modules ());

  /* the seed targets: every text projection, and SigLIP's q/k/v through the
   * plain names (as PEFT matches them) */
  for (guint i = 0; i < text->len; i++)
    g_assert_true (gtk_check_button_get_active (text->pdata[i]));
  for (guint i = 0; i < vision->len; i++)
    g_assert_true (gtk_check_button_get_active (vision->pdata[i]) == (i < 3));

  /* untick SigLIP q_proj, tick fc1: q_proj becomes text-only */
  gtk_check_button_set_active (vision->pdata[0], FALSE);
  gtk_check_button_set_active (vision->pdata[4], TRUE);
  s = pt_train_settings_view_get_settings (f->view);
  g_assert_true (g_strv_contains ((const char *const *) s->lora_targets, "text.q_proj"));
  g_assert_false (g_strv_contains ((const char *const *) s->lora_targets, "q_proj"));
  g_assert_true (g_strv_contains ((const char *const *) s->lora_targets, "k_proj"));
  g_assert_true (g_strv_contains ((const char *const *) s->lora_targets, "fc1"));
  g_assert_true (pt_train_settings_validate (s, NULL));

  /* through run.json's format and back into a fresh form */
  json = pt_train_settings_to_json (s);
  back = pt_train_settings_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (back->lora_targets, s->lora_targets);
  pt_train_settings_view_set_settings (f->view, pt_train_settings_new ());
  g_assert_true (gtk_check_button_get_active (vision->pdata[0]));
  pt_train_settings_view_set_settings (f->view, back);
  g_assert_false (gtk_check_button_get_active (vision->pdata[0]));
  g_assert_true (gtk_check_button_get_active (vision->pdata[4]));
  g_assert_true (gtk_check_button_get_active (text->pdata[0]));

  /* unticking everything is an error */
  for (guint i = 0; i < vision->len; i++)
    gtk_check_button_set_active (vision->pdata[i], FALSE);
  for (guint i = 0; i < text->len; i++)
    gtk_check_button_set_active (text->pdata[i], FALSE);
  g_assert_false (pt_train_settings_view_get_valid (f->view));
  g_assert_cmpstr (pt_train_settings_view_get_message (f->view), ==, "LoRA needs at least one target module");
  g_assert_cmpstr (adw_expander_row_get_subtitle (child (f, "text_targets_row")), ==, "None");
}

/* The pure mapping, both ways, for every single-module choice. */
static void
test_targets_mapping (void)
{
  guint nv = pt_lora_n_vision_modules (), nt = pt_lora_n_text_modules ();
  gboolean v[8] = { 0 }, t[8] = { 0 }, v2[8], t2[8];
  g_auto(GStrv) both = NULL;

  for (guint i = 0; i < nv + nt; i++)
    {
      g_auto(GStrv) targets = NULL;
      memset (v, 0, sizeof v);
      memset (t, 0, sizeof t);
      if (i < nv)
        v[i] = TRUE;
      else
        t[i - nv] = TRUE;
      targets = pt_lora_targets_from_ticks (v, t);
      g_assert_cmpuint (g_strv_length (targets), ==, 1);
      pt_lora_targets_to_ticks ((const char *const *) targets, v2, t2);
      g_assert_cmpmem (v, nv * sizeof (gboolean), v2, nv * sizeof (gboolean));
      g_assert_cmpmem (t, nt * sizeof (gboolean), t2, nt * sizeof (gboolean));
    }
  /* v_proj in both towers is the plain name */
  memset (v, 0, sizeof v);
  memset (t, 0, sizeof t);
  v[2] = t[2] = TRUE;
  both = pt_lora_targets_from_ticks (v, t);
  g_assert_cmpstr (both[0], ==, "v_proj");
  g_assert_null (both[1]);
  g_assert_true (pt_lora_targets_equal ((const char *const[]) { "v_proj", NULL },
                                        (const char *const[]) { "vision.v_proj", "text.v_proj", NULL }));
  g_assert_false (pt_lora_targets_equal ((const char *const[]) { "v_proj", NULL },
                                         (const char *const[]) { "text.v_proj", NULL }));
}

static void
test_invalid_disables_start (Fixture *f, gconstpointer data)
{
  GtkWidget *start = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->training), PT_TYPE_TRAINING_VIEW,
                                                                "start_button"));
  GtkRevealer *revealer = child (f, "message_revealer");
  AdwEntryRow *lr = child (f, "lr_row");
  g_autofree char *path = NULL;

  /* no model yet: not valid, Start off, the reason in a neutral note */
  pt_training_view_set_session_ready (f->training, TRUE);
  g_assert_false (pt_train_settings_view_get_valid (f->view));
  g_assert_cmpstr (pt_train_settings_view_get_message (f->view), ==, "Choose a model folder to train");
  g_assert_false (gtk_widget_get_sensitive (start));

  set_valid_inputs (f);
  g_assert_true (pt_train_settings_view_get_valid (f->view));
  g_assert_null (pt_train_settings_view_get_message (f->view));
  g_assert_false (gtk_revealer_get_reveal_child (revealer));
  g_assert_true (pt_training_view_get_can_start (f->training));
  g_assert_true (gtk_widget_get_sensitive (start));

  /* a learning rate of 5 is out of range */
  gtk_editable_set_text (GTK_EDITABLE (lr), "5");
  g_assert_cmpfloat (pt_train_settings_view_get_settings (f->view)->learning_rate, ==, 5);
  g_assert_false (pt_train_settings_view_get_valid (f->view));
  g_assert_cmpstr (pt_train_settings_view_get_message (f->view), ==,
                   "The learning rate must be between 1e-12 and 1 (got 5)");
  g_assert_true (gtk_revealer_get_reveal_child (revealer));
  g_assert_false (gtk_widget_get_sensitive (start));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (start), ==, pt_train_settings_view_get_message (f->view));
  pt_test_spin (400);
  path = pt_test_screenshot (GTK_WIDGET (f->window), "train-settings-invalid");

  /* not a number at all */
  gtk_editable_set_text (GTK_EDITABLE (lr), "2e-");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (lr), "error"));
  g_assert_nonnull (strstr (pt_train_settings_view_get_message (f->view), "must be a number"));
  g_assert_false (gtk_widget_get_sensitive (start));

  /* fixed: valid again, Start back on */
  gtk_editable_set_text (GTK_EDITABLE (lr), "2e-4");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (lr), "error"));
  g_assert_cmpfloat (pt_train_settings_view_get_settings (f->view)->learning_rate, ==, 2e-4);
  g_assert_true (pt_train_settings_view_get_valid (f->view));
  g_assert_true (gtk_widget_get_sensitive (start));

  /* fields that depend on each other: no epochs and no step limit */
  gtk_spin_button_set_value (child (f, "epochs_spin"), 0);
  g_assert_cmpstr (pt_train_settings_view_get_message (f->view), ==,
                   "Set a number of epochs or a maximum number of steps");
  gtk_spin_button_set_value (child (f, "max_steps_spin"), 100);
  g_assert_true (pt_train_settings_view_get_valid (f->view));

  /* a device this computer does not have */
  {
    g_autoptr(PtTrainSettings) s = pt_train_settings_copy (pt_train_settings_view_get_settings (f->view));
    g_free (s->device);
    s->device = g_strdup ("cuda:7");
    pt_train_settings_view_set_settings (f->view, s);
    g_assert_false (pt_train_settings_view_get_valid (f->view));
    g_assert_nonnull (strstr (pt_train_settings_view_get_message (f->view), "cuda:7"));
    adw_combo_row_set_selected (child (f, "device_row"), 0);
    g_assert_cmpstr (pt_train_settings_view_get_settings (f->view)->device, ==, "cpu");
    g_assert_true (pt_train_settings_view_get_valid (f->view));
  }

  /* without a session Start stays off, saying why */
  pt_training_view_set_session_ready (f->training, FALSE);
  g_assert_false (gtk_widget_get_sensitive (start));
  g_assert_nonnull (gtk_widget_get_tooltip_text (start));
}

static void
test_presets (Fixture *f, gconstpointer data)
{
  const PtTrainSettings *s;
  g_autoptr(GPtrArray) vision = tower_checks (f, "vision_targets_row");

  set_valid_inputs (f);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "settings.apply-preset", "s", "quick-test"));
  s = pt_train_settings_view_get_settings (f->view);
  g_assert_cmpint (s->batch_size, ==, 4);
  g_assert_cmpint (s->max_steps, ==, 30);
  g_assert_cmpfloat (gtk_spin_button_get_value (child (f, "batch_spin")), ==, 4);
  g_assert_cmpfloat (gtk_spin_button_get_value (child (f, "max_steps_spin")), ==, 30);
  g_assert_cmpstr (gtk_editable_get_text (child (f, "lr_row")), ==, "0.0002");
  g_assert_cmpuint (adw_combo_row_get_selected (child (f, "schedule_row")), ==, PT_SCHEDULE_CONSTANT);
  /* inputs survive a preset */
  g_assert_cmpstr (s->model_dir, ==, "/models/paligemma-3b-pt-224");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "settings.apply-preset", "s", "best-quality"));
  s = pt_train_settings_view_get_settings (f->view);
  g_assert_cmpfloat (gtk_spin_button_get_value (child (f, "rank_spin")), ==, 16);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (f, "alpha_spin"))), ==, "32");
  g_assert_true (adw_expander_row_get_enable_expansion (child (f, "early_stop_row")));
  g_assert_true (gtk_check_button_get_active (vision->pdata[4]));   /* fc1 */
  g_assert_true (s->early_stopping);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "settings.apply-preset", "s", "seed"));
  g_assert_cmpfloat (gtk_spin_button_get_value (child (f, "rank_spin")), ==, 8);
  g_assert_cmpstr (gtk_editable_get_text (child (f, "lr_row")), ==, "2e-5");
  g_assert_true (pt_train_settings_view_get_valid (f->view));
}

/* Saved as the JSON string in GSettings; a new form starts from it. */
static void
test_persistence (Fixture *f, gconstpointer data)
{
  g_autoptr(GSettings) gsettings = g_settings_new ("io.github.palitune.PaliTune");
  g_autofree char *saved = NULL;
  g_autofree char *expected = NULL;
  GtkWidget *again;

  set_valid_inputs (f);
  gtk_spin_button_set_value (child (f, "rank_spin"), 24);
  gtk_editable_set_text (child (f, "wd_row"), "0.01");
  saved = g_settings_get_string (gsettings, "train-settings");
  expected = pt_train_settings_to_json (pt_train_settings_view_get_settings (f->view));
  g_assert_cmpstr (saved, ==, expected);

  again = g_object_ref_sink (pt_train_settings_view_new ());
  g_assert_cmpint (pt_train_settings_view_get_settings (PT_TRAIN_SETTINGS_VIEW (again))->lora_rank, ==, 24);
  g_assert_cmpfloat (pt_train_settings_view_get_settings (PT_TRAIN_SETTINGS_VIEW (again))->weight_decay, ==, 0.01);
  g_assert_cmpstr (pt_train_settings_view_get_model_dir (PT_TRAIN_SETTINGS_VIEW (again)), ==,
                   "/models/paligemma-3b-pt-224");
  g_object_unref (again);

  /* a corrupt saved value falls back to the defaults */
  g_settings_set_string (gsettings, "train-settings", "{\"lora_rank\": \"big\"}");
  again = g_object_ref_sink (pt_train_settings_view_new ());
  g_assert_cmpint (pt_train_settings_view_get_settings (PT_TRAIN_SETTINGS_VIEW (again))->lora_rank, ==, 8);
  g_object_unref (again);
}

static GtkScrolledWindow *
find_scrolled (GtkWidget *widget)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkScrolledWindow *found;
      if (GTK_IS_SCROLLED_WINDOW (c))
        return GTK_SCROLLED_WINDOW (c);
      if ((found = find_scrolled (c)) != NULL)
        return found;
    }
  return NULL;
}

/* The whole form, with model info and an estimate, for a person to look at. */
static void
test_estimate_and_full_form (Fixture *f, gconstpointer data)
{
  PtTrainEstimate e = {
    .weights_bytes = 2900000000ull * 2,
    .training_bytes = 11298816ull * 16,
    .activations_bytes = 1800000000ull,
    .device_bytes = 80000000000ull,
    .trainable_params = 11298816,
    .seconds_per_step = 1.25,
    .total_steps = 6000,
    .fits = TRUE,
    .message = NULL,
  };
  GtkWindow *tall;
  PtTrainSettingsView *view;
  g_autofree char *p1 = NULL, *p2 = NULL;

  set_valid_inputs (f);
  g_assert_false (gtk_widget_get_visible (child (f, "estimate_memory_row")));
  g_assert_true (gtk_widget_get_visible (child (f, "estimate_unknown_row")));
  pt_train_settings_view_set_model_info (f->view, "PaliGemma 3B · 224 px · 2.92 B parameters", 224, TRUE);
  pt_train_settings_view_set_estimate (f->view, &e);
  g_assert_true (gtk_widget_get_visible (child (f, "estimate_memory_row")));
  g_assert_false (gtk_widget_get_visible (child (f, "estimate_unknown_row")));
  g_assert_cmpstr (gtk_label_get_text (child (f, "estimate_memory_label")), ==, "7.8\u00a0GB of 80.0\u00a0GB");
  g_assert_cmpstr (gtk_label_get_text (child (f, "estimate_time_label")), ==, "2 h 5 min");

  /* an unusable folder is an error */
  pt_train_settings_view_set_model_info (f->view, "config.json is missing", 0, FALSE);
  g_assert_false (pt_train_settings_view_get_valid (f->view));
  g_assert_nonnull (strstr (pt_train_settings_view_get_message (f->view), "config.json is missing"));
  pt_train_settings_view_set_model_info (f->view, "PaliGemma 3B · 224 px · 2.92 B parameters", 224, TRUE);
  g_assert_true (pt_train_settings_view_get_valid (f->view));

  /* a second window, paged through, shows every row (same saved settings) */
  tall = GTK_WINDOW (gtk_window_new ());
  view = PT_TRAIN_SETTINGS_VIEW (pt_train_settings_view_new ());
  gtk_window_set_default_size (tall, 460, 960);
  gtk_window_set_child (tall, GTK_WIDGET (view));
  pt_train_settings_view_set_model_info (view, "PaliGemma 3B · 224 px · 2.92 B parameters", 224, TRUE);
  e.fits = FALSE;
  e.device_bytes = 8000000000ull;
  e.message = "Expected not to fit: try QLoRA or a smaller batch";
  pt_train_settings_view_set_estimate (view, &e);
  for (guint i = 0; i < 3; i++)
    {
      static const char *const rows[] = { "vision_targets_row", "text_targets_row", "early_stop_row" };
      GObject *row = gtk_widget_get_template_child (GTK_WIDGET (view), PT_TYPE_TRAIN_SETTINGS_VIEW, rows[i]);
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
    }
  gtk_window_present (tall);
  g_assert_true (pt_test_wait_until (mapped, view, 10000));
  pt_test_spin (500);
  {
    /* page through the form: one screenshot per screenful */
    GtkScrolledWindow *scrolled = find_scrolled (GTK_WIDGET (view));
    GtkAdjustment *adj;
    guint n = 0;

    g_assert_nonnull (scrolled);
    adj = gtk_scrolled_window_get_vadjustment (scrolled);
    for (double y = 0; n < 8; y += gtk_adjustment_get_page_size (adj) - 40)
      {
        g_autofree char *name = g_strdup_printf ("train-settings-form-%u", ++n);
        gtk_adjustment_set_value (adj, y);
        pt_test_spin (100);
        g_free (p1);
        p1 = pt_test_screenshot (GTK_WIDGET (tall), name);
        if (y + gtk_adjustment_get_page_size (adj) >= gtk_adjustment_get_upper (adj))
          break;
      }
    g_test_message ("the form is %.0f px tall: %u screenshots", gtk_adjustment_get_upper (adj), n);
  }
  gtk_window_destroy (tall);

  p2 = pt_test_screenshot (GTK_WIDGET (f->window), "train-settings-model-info");
}

/* precision and the CPU memory limit: the rows edit the settings, a size
 * that does not parse turns Start off, and set_settings shows both */
static void
test_precision_memory (Fixture *f, gconstpointer data)
{
  AdwComboRow *precision = child (f, "precision_row");
  AdwEntryRow *limit = child (f, "memory_limit_row");
  g_autoptr(PtTrainSettings) s = NULL;

  set_valid_inputs (f);
  g_assert_cmpstr (pt_train_settings_view_get_settings (f->view)->precision, ==, "auto");
  g_assert_cmpuint (adw_combo_row_get_selected (precision), ==, 0);
  adw_combo_row_set_selected (precision, 2);
  g_assert_cmpstr (pt_train_settings_view_get_settings (f->view)->precision, ==, "f32");
  adw_combo_row_set_selected (precision, 1);
  g_assert_cmpstr (pt_train_settings_view_get_settings (f->view)->precision, ==, "bf16");
  g_assert_true (pt_train_settings_view_get_valid (f->view));

  gtk_editable_set_text (GTK_EDITABLE (limit), "6G");
  g_assert_cmpuint (pt_train_settings_view_get_settings (f->view)->memory_limit, ==, 6ull << 30);
  g_assert_true (pt_train_settings_view_get_valid (f->view));
  gtk_editable_set_text (GTK_EDITABLE (limit), "six gigs");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (limit), "error"));
  g_assert_false (pt_train_settings_view_get_valid (f->view));
  g_assert_nonnull (strstr (pt_train_settings_view_get_message (f->view), "memory limit"));
  gtk_editable_set_text (GTK_EDITABLE (limit), "");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (limit), "error"));
  g_assert_cmpuint (pt_train_settings_view_get_settings (f->view)->memory_limit, ==, 0);
  g_assert_true (pt_train_settings_view_get_valid (f->view));

  s = pt_train_settings_copy (pt_train_settings_view_get_settings (f->view));
  g_free (s->precision);
  s->precision = g_strdup ("f32");
  s->memory_limit = 512ull << 20;
  pt_train_settings_view_set_settings (f->view, s);
  g_assert_cmpuint (adw_combo_row_get_selected (precision), ==, 2);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (limit)), ==, "512M");
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  pt_test_init_widgets ();
  g_test_add_func ("/ui/train-settings/targets-mapping", test_targets_mapping);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/ui/train-settings/mode-groups", test_mode_groups);
  ADD ("/ui/train-settings/targets-round-trip", test_targets_round_trip);
  ADD ("/ui/train-settings/invalid-disables-start", test_invalid_disables_start);
  ADD ("/ui/train-settings/presets", test_presets);
  ADD ("/ui/train-settings/persistence", test_persistence);
  ADD ("/ui/train-settings/estimate", test_estimate_and_full_form);
  ADD ("/ui/train-settings/precision-memory", test_precision_memory);
#undef ADD
  return g_test_run ();
}
