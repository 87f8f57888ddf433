/* test-data-page.c — the Data page in the real window: open the fixture
 * datasets, the grid and its thumbnails, filters, a record's details with
 * the model's tokenizer (chips checked against the tokenizer itself),
 * truncation, statistics, the problem list, errors, cancelling, the split
 * written back to the Train page, and the demo dataset. Screenshots of
 * each state. */
#include "config.h"

#include <string.h>         /* strstr */

#include <glib/gstdio.h>

#include "pt-application.h"
#include "pt-dataset-scan.h"
#include "pt-run.h"           /* pt_rmtree */
#include "pt-test-ui.h"
#include "pt-window.h"

typedef struct {
  PtApplication *app;
  PtWindow      *window;
  PtDataPage    *page;
  char          *tmp;        /* a scratch folder */
  char          *model_dir;  /* tokenizer.model + config.json */
} Fixture;

static Fixture fixture;

static gboolean
window_mapped (gpointer data)
{
  GtkWindow *window = gtk_application_get_active_window (data);
  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window))
         && gtk_widget_get_width (GTK_WIDGET (window)) > 0;
}

static char *
fixture_path (const char *name)
{
  return g_build_filename (g_getenv ("PT_SOURCE_ROOT"), "tests", "fixtures", name, NULL);
}

static gboolean
page_settled (gpointer data)
{
  const char *state = pt_data_page_get_state (fixture.page);
  return !g_str_equal (state, "loading");
}

/* Opens path and waits until it is loaded (or failed). */
static void
open_and_wait (const char *path)
{
  pt_data_page_set_dataset_path (fixture.page, path);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "loading");
  g_assert_true (pt_test_wait_until (page_settled, NULL, 20000));
}

static PtDatasetBrowser *
browser (void)
{
  return pt_data_page_get_browser (fixture.page);
}

static gboolean
thumbnails_settled (gpointer data)
{
  guint bound, with_image, missing;

  pt_record_grid_count_cells (pt_dataset_browser_get_grid (browser ()), &bound, &with_image, &missing);
  return bound > 0 && bound == with_image + missing;
}

static void
set_settings (void (*edit) (PtTrainSettings *s, gpointer data),
              gpointer data)
{
  PtTrainSettingsView *view = pt_train_page_get_settings_view (pt_window_get_train_page (fixture.window));
  g_autoptr(PtTrainSettings) copy = pt_train_settings_copy (pt_train_settings_view_get_settings (view));

  edit (copy, data);
  pt_train_settings_view_set_settings (view, copy);
}

static void
edit_model_dir (PtTrainSettings *s, gpointer data)
{
  g_free (s->model_dir);
  s->model_dir = g_strdup (data);
}

static void
edit_max_text_len (PtTrainSettings *s, gpointer data)
{
  s->max_text_len = GPOINTER_TO_INT (data);
}

static void
edit_resolution (PtTrainSettings *s, gpointer data)
{
  s->resolution = GPOINTER_TO_INT (data);
}

static void
edit_template (PtTrainSettings *s, gpointer data)
{
  g_free (s->prompt_template);
  s->prompt_template = g_strdup (data);
}

static void
fixture_setup (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tok_src = fixture_path ("tokenizer/tokenizer.model");
  g_autofree char *tok_dst = NULL;
  g_autofree char *config = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  f->tmp = g_dir_make_tmp ("pt-data-page-XXXXXX", &error);
  g_assert_no_error (error);
  f->model_dir = g_build_filename (f->tmp, "model", NULL);
  g_assert_cmpint (g_mkdir (f->model_dir, 0755), ==, 0);
  tok_dst = g_build_filename (f->model_dir, "tokenizer.model", NULL);
  g_assert_true (g_file_get_contents (tok_src, &contents, &len, &error));
  g_assert_true (g_file_set_contents (tok_dst, contents, len, &error));
  config = g_build_filename (f->model_dir, "config.json", NULL);
  g_assert_true (g_file_set_contents (config,
                                      "{\"model_type\": \"paligemma\", \"vision_config\": "
                                      "{\"image_size\": 112, \"patch_size\": 14}}", -1, &error));

  f->app = pt_application_new ();
  g_application_set_flags (G_APPLICATION (f->app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (f->app), NULL, &error));
  g_application_activate (G_APPLICATION (f->app));
  g_assert_true (pt_test_wait_until (window_mapped, f->app, 10000));
  f->window = PT_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  f->page = pt_window_get_data_page (f->window);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 960);
  pt_window_show_page (f->window, "data");
  pt_test_spin (300);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (pt_rmtree (path, &error));
}

static void
fixture_teardown (Fixture *f)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  pt_test_spin (50);
  g_clear_object (&f->app);
  remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->model_dir);
}

/* ---- tests ---- */

/* The dataset of the last session (GSettings "dataset-path") opens at start. */
static void
test_restored (void)
{
  g_autofree char *path = fixture_path ("data/good.csv");
  g_autoptr(GSettings) settings = g_settings_new ("io.github.palitune.PaliTune");
  g_autofree char *saved = NULL;

  g_assert_true (pt_test_wait_until (page_settled, NULL, 20000));
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "browser");
  g_assert_cmpstr (pt_data_page_get_dataset_path (fixture.page), ==, path);
  g_assert_cmpuint (pt_dataset_get_n_records (pt_data_page_get_dataset (fixture.page)), >, 0);
  /* closing it forgets it */
  pt_data_page_set_dataset_path (fixture.page, NULL);
  saved = g_settings_get_string (settings, "dataset-path");
  g_assert_cmpstr (saved, ==, "");
}

static void
test_empty (void)
{
  g_autofree char *shot = NULL;

  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "empty");
  g_assert_null (pt_data_page_get_dataset_path (fixture.page));
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-empty");
}

/* good.jsonl: five records, five thumbnails, filters. */
static void
test_grid_and_filters (void)
{
  g_autofree char *path = fixture_path ("data/good.jsonl");
  PtDatasetBrowser *b = browser ();
  PtRecordFilter filter = { 0 };
  guint bound, with_image, missing;
  g_autofree char *shot = NULL;
  g_autofree char *shot2 = NULL;
  PtTrainSettingsView *view = pt_train_page_get_settings_view (pt_window_get_train_page (fixture.window));

  open_and_wait (path);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "browser");
  /* the Train page trains on it */
  g_assert_cmpstr (pt_train_settings_view_get_settings (view)->data_path, ==, path);
  g_assert_cmpuint (pt_dataset_get_n_records (pt_data_page_get_dataset (fixture.page)), ==, 5);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_grid_view_get_model (pt_record_grid_get_view (pt_dataset_browser_get_grid (b))))), ==, 5);
  g_assert_true (pt_test_wait_until (thumbnails_settled, NULL, 10000));
  pt_record_grid_count_cells (pt_dataset_browser_get_grid (b), &bound, &with_image, &missing);
  g_assert_cmpuint (bound, ==, 5);
  g_assert_cmpuint (with_image, ==, 5);
  g_assert_cmpuint (missing, ==, 0);
  g_assert_cmpuint (pt_thumbnail_loader_get_n_finished (pt_dataset_browser_get_thumbnail_loader (b)), >=, 4);
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-grid");

  /* Ctrl+F: the search entry */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (b), "browser.find", NULL));
  {
    GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (fixture.window));
    g_assert_nonnull (focus);
    g_assert_true (focus == GTK_WIDGET (pt_dataset_browser_get_search_entry (b))
                   || gtk_widget_is_ancestor (focus, GTK_WIDGET (pt_dataset_browser_get_search_entry (b))));
  }

  /* typing in the search entry (the entry waits a moment before it searches) */
  gtk_editable_set_text (GTK_EDITABLE (pt_dataset_browser_get_search_entry (b)), "COLOUR");
  pt_test_spin (250);
  g_assert_cmpstr (pt_dataset_browser_get_filter (b)->text, ==, "COLOUR");
  g_assert_cmpuint (pt_dataset_browser_get_n_shown (b), ==, 2);
  shot2 = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-grid-search");

  /* an answer: "yes" is record 3's most common answer and record 4's answer */
  filter.answer = (char *) "yes";
  pt_dataset_browser_set_filter (b, &filter);
  g_assert_cmpuint (pt_dataset_browser_get_n_shown (b), ==, 2);
  /* a question type, and text found only in a list of answers */
  filter.answer = NULL;
  filter.question_type = (char *) "what color";
  pt_dataset_browser_set_filter (b, &filter);
  g_assert_cmpuint (pt_dataset_browser_get_n_shown (b), ==, 2);
  filter.question_type = NULL;
  filter.text = (char *) "navy";
  pt_dataset_browser_set_filter (b, &filter);
  g_assert_cmpuint (pt_dataset_browser_get_n_shown (b), ==, 1);
  filter.text = (char *) "ünïcödé";
  pt_dataset_browser_set_filter (b, &filter);
  g_assert_cmpuint (pt_dataset_browser_get_n_shown (b), ==, 1);
  filter.text = (char *) "no such words";
  pt_dataset_browser_set_filter (b, &filter);
  g_assert_cmpuint (pt_dataset_browser_get_n_shown (b), ==, 0);
  /* problems only: none here */
  filter.text = NULL;
  filter.problems_only = TRUE;
  pt_dataset_browser_set_filter (b, &filter);
  g_assert_cmpuint (pt_dataset_browser_get_n_shown (b), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (b), "browser.clear-filters", NULL));
  g_assert_cmpuint (pt_dataset_browser_get_n_shown (b), ==, 5);
}

static gboolean
tokenizer_loaded (gpointer data)
{
  return pt_data_page_get_tokenizer (fixture.page) != NULL && !pt_dataset_browser_is_counting (browser ());
}

static gboolean
detail_image_shown (gpointer data)
{
  PtDetailImageState s = pt_record_detail_get_image_state (pt_dataset_browser_get_detail (browser ()));
  return s == PT_DETAIL_IMAGE_SHOWN || s == PT_DETAIL_IMAGE_FAILED;
}

static int
n_tokens (const PtTokenizer *tok, const char *text)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
  g_assert_true (pt_tokenizer_encode (tok, text, -1, ids, NULL));
  return (int) ids->len;
}

/* A record's details: the 224 px image, the prompt's tokens by role. */
static void
test_detail_tokens (void)
{
  PtDatasetBrowser *b = browser ();
  PtRecordDetail *detail = pt_dataset_browser_get_detail (b);
  PtTokenView *tokens = pt_record_detail_get_token_view (detail);
  g_autofree char *shot = NULL;
  g_autofree char *shot2 = NULL;
  PtModelTokenizer *mt;
  int prefix, suffix;

  /* without a model folder: the image, and how to get tokens */
  pt_dataset_browser_show_record (b, 0);
  g_assert_true (pt_test_wait_until (detail_image_shown, NULL, 10000));
  g_assert_cmpint (pt_record_detail_get_n_text_tokens (detail), ==, -1);
  g_assert_cmpuint (pt_token_view_get_n_chips (tokens, PT_TOKEN_PREFIX), ==, 0);
  pt_test_spin (300);
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-detail-no-tokenizer");
  g_clear_pointer (&shot, g_free);

  /* the Train page's model folder brings the tokenizer */
  set_settings (edit_model_dir, fixture.model_dir);
  g_assert_true (pt_test_wait_until (tokenizer_loaded, NULL, 10000));
  mt = pt_data_page_get_tokenizer (fixture.page);
  /* the test config's tower sees 112 px in 14 px patches: 8 × 8 image tokens */
  g_assert_cmpint (pt_model_tokenizer_n_image_tokens (mt, 0), ==, 64);
  pt_dataset_browser_show_record (b, 0);
  g_assert_true (pt_test_wait_until (detail_image_shown, NULL, 10000));
  g_assert_cmpint (pt_record_detail_get_image_size (detail), ==, 112);
  g_assert_cmpstr (pt_token_view_get_chip_text (tokens, 0), ==, "64 × <image>");

  /* the Train page's resolution overrides it: 224 px, 256 tokens */
  set_settings (edit_resolution, GINT_TO_POINTER (224));
  g_assert_true (pt_dataset_browser_get_record_shown (b));
  g_assert_true (pt_test_wait_until (detail_image_shown, NULL, 10000));
  g_assert_cmpint (pt_record_detail_get_image_state (detail), ==, PT_DETAIL_IMAGE_SHOWN);
  g_assert_cmpint (pt_record_detail_get_image_size (detail), ==, 224);

  /* "answer What colour is it?" → "red", counted by the tokenizer itself */
  prefix = 1 + n_tokens (mt->tokenizer, "answer What colour is it?\n");
  suffix = n_tokens (mt->tokenizer, "red") + 1;
  g_assert_cmpuint (pt_token_view_get_n_chips (tokens, PT_TOKEN_IMAGE), ==, 1);
  g_assert_cmpstr (pt_token_view_get_chip_text (tokens, 0), ==, "256 × <image>");
  g_assert_cmpstr (pt_token_view_get_chip_text (tokens, 1), ==, "<bos>");
  g_assert_cmpuint (pt_token_view_get_n_chips (tokens, PT_TOKEN_PREFIX), ==, (guint) prefix);
  g_assert_cmpuint (pt_token_view_get_n_chips (tokens, PT_TOKEN_SUFFIX), ==, (guint) suffix);
  g_assert_cmpstr (pt_token_view_get_chip_text (tokens, 1 + prefix + suffix - 1), ==, "<eos>");
  g_assert_cmpint (pt_record_detail_get_n_text_tokens (detail), ==, prefix + suffix);
  g_assert_false (pt_record_detail_get_truncated (detail));
  g_assert_false (pt_record_detail_get_prefix_warning (detail));
  pt_test_spin (200);
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-detail-tokens");

  /* a maximum text length of 5: the answer is cut, then the prompt */
  set_settings (edit_max_text_len, GINT_TO_POINTER (5));
  g_assert_true (pt_record_detail_get_truncated (detail));
  g_assert_cmpuint (pt_token_view_get_n_cut (tokens), ==, (guint) (prefix + suffix - 5));
  /* a template without a task prefix is flagged */
  set_settings (edit_template, (gpointer) "{question}");
  g_assert_true (pt_record_detail_get_prefix_warning (detail));
  g_assert_cmpuint (pt_token_view_get_n_chips (tokens, PT_TOKEN_PREFIX), ==,
                    (guint) (1 + n_tokens (mt->tokenizer, "What colour is it?\n")));
  pt_test_spin (200);
  shot2 = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-detail-truncated");

  /* the prefix record ("caption en") keeps its prompt as it is */
  set_settings (edit_max_text_len, GINT_TO_POINTER (0));
  pt_dataset_browser_show_record (b, 2);
  g_assert_false (pt_record_detail_get_prefix_warning (detail));
  g_assert_cmpuint (pt_token_view_get_n_chips (tokens, PT_TOKEN_PREFIX), ==,
                    (guint) (1 + n_tokens (mt->tokenizer, "caption en\n")));
  set_settings (edit_template, (gpointer) "answer {question}");

  /* next / previous walk the shown records */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.next", NULL));
  g_assert_cmpuint (pt_record_detail_get_index (detail), ==, 3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.close", NULL));
  g_assert_false (pt_dataset_browser_get_record_shown (b));
}

/* Statistics of good.jsonl, counted independently here. */
static void
test_statistics (void)
{
  PtDatasetBrowser *b = browser ();
  PtStatsView *stats = pt_dataset_browser_get_stats_view (b);
  PtBarChart *answers = pt_stats_view_get_answers_chart (stats);
  PtBarChart *tokens = pt_stats_view_get_tokens_chart (stats);
  PtTrainSettingsView *view = pt_train_page_get_settings_view (pt_window_get_train_page (fixture.window));
  g_autofree char *shot = NULL;
  guint n_train, n_val;
  double total = 0;

  g_assert_true (pt_test_wait_until (tokenizer_loaded, NULL, 10000));
  pt_dataset_browser_show_view (b, "stats");
  pt_test_spin (250);
  /* answers: yes (records 3, 4), then red, blue, a green square once each */
  g_assert_cmpuint (pt_bar_chart_get_n_bars (answers), ==, 4);
  g_assert_cmpstr (pt_bar_chart_get_label (answers, 0), ==, "yes");
  g_assert_cmpfloat (pt_bar_chart_get_value (answers, 0), ==, 2);
  g_assert_cmpuint (pt_bar_chart_get_n_bars (pt_stats_view_get_types_chart (stats)), ==, 1);
  /* every usable record lands in one token-length bin */
  g_assert_cmpuint (pt_bar_chart_get_n_bars (tokens), >, 0);
  for (guint i = 0; i < pt_bar_chart_get_n_bars (tokens); i++)
    total += pt_bar_chart_get_value (tokens, i);
  g_assert_cmpfloat (total, ==, 5);

  /* the split: 10% of 5 usable records rounds up to 1 */
  pt_stats_view_get_split_sizes (stats, &n_train, &n_val);
  g_assert_cmpuint (n_train, ==, 4);
  g_assert_cmpuint (n_val, ==, 1);
  /* editing it here edits the Train page's settings */
  gtk_spin_button_set_value (pt_stats_view_get_split_spin (stats), 40);
  g_assert_cmpfloat_with_epsilon (pt_train_settings_view_get_settings (view)->val_split, 0.4, 1e-9);
  pt_stats_view_get_split_sizes (stats, &n_train, &n_val);
  g_assert_cmpuint (n_val, ==, 2);
  pt_test_spin (200);
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-statistics");
  gtk_spin_button_set_value (pt_stats_view_get_split_spin (stats), 10);

  /* clicking the "yes" bar lists its records */
  g_signal_emit_by_name (answers, "bar-activated", 0u);
  g_assert_cmpstr (pt_dataset_browser_get_filter (b)->answer, ==, "yes");
  g_assert_cmpuint (pt_dataset_browser_get_n_shown (b), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (b), "browser.clear-filters", NULL));
}

/* bad.jsonl: its problems listed, missing images in the grid, a problem opens its record. */
static void
test_problems (void)
{
  g_autofree char *path = fixture_path ("data/bad.jsonl");
  PtDatasetBrowser *b = browser ();
  PtProblemList *list = pt_dataset_browser_get_problem_list (b);
  PtDataset *ds;
  g_autofree char *shot = NULL;
  g_autofree char *shot2 = NULL;
  g_autofree char *shot3 = NULL;
  guint bound, with_image, missing, n_unusable = 0;
  PtRecordFilter filter = { 0 };
  gboolean opened = FALSE;

  open_and_wait (path);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "browser");
  ds = pt_data_page_get_dataset (fixture.page);
  g_assert_cmpuint (pt_dataset_get_n_problems (ds), >, 5);
  g_assert_cmpuint (pt_problem_list_get_n_items (list), ==, pt_dataset_get_n_problems (ds));

  pt_dataset_browser_show_view (b, "records");
  g_assert_true (pt_test_wait_until (thumbnails_settled, NULL, 10000));
  pt_record_grid_count_cells (pt_dataset_browser_get_grid (b), &bound, &with_image, &missing);
  g_assert_cmpuint (missing, >=, 3);   /* missing.png, corrupt.jpg, empty.png, not-an-image.png */
  g_assert_cmpuint (with_image, >, 0);
  pt_test_spin (250);
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-grid-problems");

  for (guint i = 0; i < pt_dataset_get_n_records (ds); i++)
    n_unusable += !pt_dataset_record_is_usable (ds, i);
  filter.problems_only = TRUE;
  pt_dataset_browser_set_filter (b, &filter);
  g_assert_cmpuint (pt_dataset_browser_get_n_shown (b), >=, n_unusable);
  pt_dataset_browser_set_filter (b, &(PtRecordFilter) { 0 });

  pt_dataset_browser_show_view (b, "problems");
  pt_test_spin (250);   /* the switcher's buttons fade */
  shot2 = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-problems");
  /* the first problem that names a record opens it */
  for (guint i = 0; i < pt_problem_list_get_n_items (list) && !opened; i++)
    {
      PtProblem p;
      g_assert_true (pt_dataset_get_problem (ds, i, &p));
      if (p.record < 0)
        continue;
      pt_problem_list_activate_row (list, i);
      g_assert_true (pt_dataset_browser_get_record_shown (b));
      g_assert_cmpuint (pt_record_detail_get_index (pt_dataset_browser_get_detail (b)), ==, (guint) p.record);
      opened = TRUE;
    }
  g_assert_true (opened);
  g_assert_true (pt_test_wait_until (detail_image_shown, NULL, 10000));
  pt_test_spin (200);
  shot3 = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-problem-record");
  pt_dataset_browser_close_record (b);
  pt_dataset_browser_show_view (b, "records");
}

/* Files that are no dataset: the error and what to do; then cancelling. */
static void
test_errors_and_cancel (void)
{
  g_autofree char *empty = fixture_path ("data/empty.jsonl");
  g_autofree char *good = fixture_path ("data/good.jsonl");
  g_autofree char *csv = fixture_path ("data/good.csv");
  g_autofree char *missing = g_build_filename (fixture.tmp, "nothing-here.jsonl", NULL);
  g_autofree char *shot = NULL;

  open_and_wait (empty);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "error");
  g_assert_nonnull (pt_data_page_get_error (fixture.page));
  g_test_message ("empty.jsonl: %s", pt_data_page_get_error (fixture.page));
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-error");

  open_and_wait (missing);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "error");
  g_assert_nonnull (strstr (pt_data_page_get_error (fixture.page), "nothing-here.jsonl"));

  /* a second open cancels the first: the CSV is what shows */
  pt_data_page_set_dataset_path (fixture.page, good);
  pt_data_page_set_dataset_path (fixture.page, csv);
  g_assert_true (pt_test_wait_until (page_settled, NULL, 20000));
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "browser");
  g_assert_cmpstr (pt_dataset_get_path (pt_data_page_get_dataset (fixture.page)), ==, csv);
  g_assert_cmpstr (pt_data_page_get_dataset_path (fixture.page), ==, csv);

  /* cancelling goes back to the dataset shown */
  pt_data_page_set_dataset_path (fixture.page, good);
  pt_data_page_cancel (fixture.page);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "browser");
  g_assert_cmpstr (pt_data_page_get_dataset_path (fixture.page), ==, csv);
  pt_test_spin (100);
  g_assert_cmpstr (pt_dataset_get_path (pt_data_page_get_dataset (fixture.page)), ==, csv);
}

/* A phone-sized window: the browser still fits, the details overlay it. */
static void
test_narrow (void)
{
  g_autofree char *path = fixture_path ("data/good.jsonl");
  PtDatasetBrowser *b = browser ();
  g_autofree char *shot = NULL;
  g_autofree char *shot2 = NULL;

  if (g_strcmp0 (pt_data_page_get_dataset_path (fixture.page), path) != 0)
    open_and_wait (path);
  gtk_window_set_default_size (GTK_WINDOW (fixture.window), 360, 760);
  pt_test_spin (300);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (fixture.window)), <=, 400);
  g_assert_true (pt_test_wait_until (thumbnails_settled, NULL, 10000));
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-narrow");
  pt_dataset_browser_show_record (b, 1);
  g_assert_true (pt_test_wait_until (detail_image_shown, NULL, 10000));
  pt_test_spin (250);
  shot2 = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-narrow-detail");
  pt_dataset_browser_close_record (b);
  gtk_window_set_default_size (GTK_WINDOW (fixture.window), 1280, 960);
  pt_test_spin (300);
}

/* A file dropped on the page opens it. */
static void
test_drop (void)
{
  g_autofree char *good = fixture_path ("data/good.tsv");
  g_autoptr(GFile) file = g_file_new_for_path (good);
  g_autoptr(GFile) nothing = g_file_new_for_path ("/nonexistent/file.jsonl");

  g_assert_false (pt_data_page_open_file (fixture.page, nothing));
  g_assert_true (pt_data_page_open_file (fixture.page, file));
  g_assert_true (pt_test_wait_until (page_settled, NULL, 20000));
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "browser");
  g_assert_cmpstr (pt_data_page_get_dataset_path (fixture.page), ==, good);
}

static gboolean
message_dialog_shown (gpointer data)
{
  GtkWidget **out = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);
      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_mapped (w))
        {
          *out = w;
          return TRUE;
        }
    }
  return FALSE;
}

/* Create Demo Dataset: generated off the main thread, then opened. */
static void
test_demo (void)
{
  g_autofree char *dir = g_build_filename (fixture.tmp, "demo", NULL);
  g_autofree char *train = g_build_filename (dir, "train.jsonl", NULL);
  g_autofree char *shot = NULL;
  PtDemoOptions options;

  /* the dialog the button opens */
  {
    GtkWidget *dialog = NULL;
    g_autofree char *dshot = NULL;
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.page), "page.create-demo", NULL));
    g_assert_true (pt_test_wait_until (message_dialog_shown, &dialog, 5000));
    pt_test_spin (300);
    dshot = pt_test_screenshot (dialog, "data-demo-dialog");
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
    pt_test_spin (100);
  }

  pt_demo_options_init (&options);
  options.n_train = 24;
  options.image_size = 96;
  pt_data_page_create_demo (fixture.page, &options, dir);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "loading");
  g_assert_true (pt_test_wait_until (page_settled, NULL, 30000));
  /* the generator hands over to the loader */
  g_assert_true (pt_test_wait_until (page_settled, NULL, 30000));
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "browser");
  g_assert_cmpstr (pt_data_page_get_dataset_path (fixture.page), ==, train);
  g_assert_cmpuint (pt_dataset_get_n_records (pt_data_page_get_dataset (fixture.page)), >, 24);
  g_assert_cmpuint (pt_dataset_get_n_usable (pt_data_page_get_dataset (fixture.page)), ==,
                    pt_dataset_get_n_records (pt_data_page_get_dataset (fixture.page)));
  g_assert_true (pt_test_wait_until (thumbnails_settled, NULL, 10000));
  pt_test_spin (200);
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-demo");
}

/* The loading state, caught while the demo generator runs. */
static void
test_loading_screenshot (void)
{
  g_autofree char *dir = g_build_filename (fixture.tmp, "demo2", NULL);
  g_autofree char *shot = NULL;
  PtDemoOptions options;

  pt_demo_options_init (&options);
  options.n_train = 400;
  options.threads = 1;   /* leave the other core to the window */
  pt_data_page_create_demo (fixture.page, &options, dir);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "loading");
  pt_test_spin (250);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "loading");
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-loading");
  pt_data_page_cancel (fixture.page);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "browser");
}

/* A Hugging Face hub folder (Parquet, images embedded): thumbnails from the
 * embedded bytes, the splits shown and switched, the split and a column
 * mapping taken over by the Train page; a save_to_disk folder dropped. */
static void
test_hub_folder (void)
{
  g_autofree char *hub = fixture_path ("hf/hub");
  g_autofree char *saved = fixture_path ("hf/saved");
  g_autofree char *shot = NULL;
  g_autofree char *shot2 = NULL;
  g_autoptr(GFile) saved_file = g_file_new_for_path (saved);
  PtTrainSettingsView *view = pt_train_page_get_settings_view (pt_window_get_train_page (fixture.window));
  GtkDropDown *splits = pt_data_page_get_split_dropdown (fixture.page);
  guint bound, with_image, missing;
  GListModel *items;

  open_and_wait (hub);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "browser");
  g_assert_cmpuint (pt_dataset_get_n_records (pt_data_page_get_dataset (fixture.page)), ==, 160);
  g_assert_cmpuint (pt_dataset_get_n_usable (pt_data_page_get_dataset (fixture.page)), ==, 160);
  /* the splits, train shown */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (splits)));
  g_assert_true (gtk_widget_is_drawable (GTK_WIDGET (splits)));
  items = gtk_drop_down_get_model (splits);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, 2);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (items), 0), ==, "train");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (items), 1), ==, "validation");
  g_assert_cmpuint (gtk_drop_down_get_selected (splits), ==, 0);
  /* the validation split validates: no fraction of train to set aside */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (pt_stats_view_get_split_spin (
    pt_dataset_browser_get_stats_view (browser ())))));
  /* thumbnails decoded from the bytes in the Parquet pages */
  g_assert_true (pt_test_wait_until (thumbnails_settled, NULL, 10000));
  pt_record_grid_count_cells (pt_dataset_browser_get_grid (browser ()), &bound, &with_image, &missing);
  g_assert_cmpuint (bound, >, 0);
  g_assert_cmpuint (with_image, ==, bound);
  g_assert_cmpuint (missing, ==, 0);
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-hub-train");
  /* a record's details: its image read from its page */
  pt_dataset_browser_show_record (browser (), 5);
  g_assert_true (pt_test_wait_until (detail_image_shown, NULL, 10000));
  g_assert_cmpint (pt_record_detail_get_image_state (pt_dataset_browser_get_detail (browser ())), ==,
                   PT_DETAIL_IMAGE_SHOWN);
  g_clear_pointer (&shot, g_free);
  pt_test_spin (600);   /* the side panel slides open */
  shot = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-hub-detail");
  pt_dataset_browser_close_record (browser ());

  /* switching the split loads it, and the Train page trains on it */
  gtk_drop_down_set_selected (splits, 1);
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "loading");
  g_assert_true (pt_test_wait_until (page_settled, NULL, 20000));
  g_assert_cmpuint (pt_dataset_get_n_records (pt_data_page_get_dataset (fixture.page)), ==, 48);
  g_assert_cmpstr (pt_dataset_get_split (pt_data_page_get_dataset (fixture.page)), ==, "validation");
  g_assert_cmpstr (pt_train_settings_view_get_settings (view)->data_split, ==, "validation");
  g_assert_true (pt_test_wait_until (thumbnails_settled, NULL, 10000));
  shot2 = pt_test_screenshot (GTK_WIDGET (fixture.window), "data-hub-validation");

  /* a mapping to a column that is not there: the error names it */
  g_assert_true (pt_data_page_set_table_options (fixture.page, "validation", "image=img"));
  g_assert_true (pt_test_wait_until (page_settled, NULL, 20000));
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "error");
  g_assert_nonnull (strstr (pt_data_page_get_error (fixture.page), "“img”"));
  g_assert_cmpstr (pt_train_settings_view_get_settings (view)->data_columns, ==, "image=img");
  /* a mapping that does not parse is refused before loading */
  g_assert_false (pt_data_page_set_table_options (fixture.page, NULL, "image"));
  /* another mapping that works */
  g_assert_true (pt_data_page_set_table_options (fixture.page, NULL, "answer=answer_type"));
  g_assert_true (pt_test_wait_until (page_settled, NULL, 20000));
  g_assert_cmpstr (pt_data_page_get_state (fixture.page), ==, "browser");
  g_assert_cmpuint (pt_dataset_get_n_records (pt_data_page_get_dataset (fixture.page)), ==, 160);

  /* a save_to_disk folder, dropped: the defaults again */
  g_assert_true (pt_data_page_open_file (fixture.page, saved_file));
  g_assert_true (pt_test_wait_until (page_settled, NULL, 20000));
  g_assert_cmpuint (pt_dataset_get_n_records (pt_data_page_get_dataset (fixture.page)), ==, 150);
  g_assert_null (pt_data_page_get_split (fixture.page));
  g_assert_null (pt_train_settings_view_get_settings (view)->data_split);
  g_assert_null (pt_train_settings_view_get_settings (view)->data_columns);
  g_assert_cmpuint (gtk_drop_down_get_selected (splits), ==, 0);

  /* a JSON Lines file: no split bar */
  {
    g_autofree char *jsonl = fixture_path ("data/good.jsonl");
    open_and_wait (jsonl);
    g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (splits))));
  }
}

int
main (int argc, char **argv)
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/data/restored", test_restored);
  g_test_add_func ("/ui/data/empty", test_empty);
  g_test_add_func ("/ui/data/grid-and-filters", test_grid_and_filters);
  g_test_add_func ("/ui/data/detail-tokens", test_detail_tokens);
  g_test_add_func ("/ui/data/statistics", test_statistics);
  g_test_add_func ("/ui/data/narrow", test_narrow);
  g_test_add_func ("/ui/data/problems", test_problems);
  g_test_add_func ("/ui/data/errors-and-cancel", test_errors_and_cancel);
  g_test_add_func ("/ui/data/drop", test_drop);
  g_test_add_func ("/ui/data/demo", test_demo);
  g_test_add_func ("/ui/data/loading", test_loading_screenshot);
  g_test_add_func ("/ui/data/hub-folder", test_hub_folder);
  /* as if the last session had opened good.csv */
  {
    g_autoptr(GSettings) settings = g_settings_new ("io.github.palitune.PaliTune");
    g_autofree char *csv = fixture_path ("data/good.csv");
    g_settings_set_string (settings, "dataset-path", csv);
  }
  fixture_setup (&fixture);
  status = g_test_run ();
  fixture_teardown (&fixture);
  return status;
}
