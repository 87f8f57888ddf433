/* pt-cli-data.c — `palitune-cli data inspect`: a dataset's report. */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "pt-cli.h"
#include "pt-dataset.h"
#include "pt-dataset-scan.h"   /* pt_dataset_scan, stats, report */
#include "pt-error.h"
#include "pt-json.h"           /* pt_json_to_string */
#include "pt-tokenizer.h"      /* token counts */

/* Prints a frequency table on one line: "yes 40, no 30, …". */
static void
print_counts (const char *title, GArray *counts, guint top)
{
  if (counts->len == 0)
    return;
  pt_cli_print_label (title, 16);
  /* Translators: "N distinct values:", followed by a frequency table */
  g_print (g_dngettext (NULL, "%u distinct: ", "%u distinct: ", counts->len), counts->len);
  for (guint i = 0; i < counts->len && i < top; i++)
    {
      const PtCount *c = &g_array_index (counts, PtCount, i);
      g_print ("%s", i ? ", " : "");
      /* Translators: a value in quotes and how often it occurs */
      g_print (_("“%s” %u"), c->text, c->count);
    }
  g_print ("%s\n", counts->len > top ? ", …" : "");
}

static void
print_report (PtDataset *ds, const PtDatasetStats *st, guint max_problems, guint top)
{
  guint n_problems = pt_dataset_get_n_problems (ds);
  static const char *const format_names[] = { "?", "JSON Lines", "CSV", "TSV", "VQAv2", "Parquet",
                                              "Arrow" };
  const char *const *splits = pt_dataset_get_splits (ds);

  /* Translators: the labels are padded to 16 characters; a longer one shifts its line */
  pt_cli_print_label (_("Dataset"), 16);
  g_print ("%s (%s)\n", pt_dataset_get_path (ds), format_names[pt_dataset_get_format (ds)]);
  if (splits[0] != NULL)
    {
      g_autofree char *all = g_strjoinv (", ", (char **) splits);
      pt_cli_print_label (_("Split"), 16);
      /* Translators: the split read, then all the dataset's splits */
      g_print (_("%s (splits: %s)\n"), pt_dataset_get_split (ds), all);
    }
  pt_cli_print_label (_("Records"), 16);
  /* Translators: counts of dataset records; the plural is the one of the last number */
  g_print (g_dngettext (NULL, "%u read, %u usable, %u unusable, %u warning\n",
                        "%u read, %u usable, %u unusable, %u warnings\n", st->warnings),
           st->records, st->usable, st->records - MIN (st->usable, st->records), st->warnings);
  if (st->by_kind[PT_PROBLEM_DUPLICATE] > 0)
    {
      pt_cli_print_label (_("Duplicates"), 16);
      g_print (_("%u (same image, question and answer; later copies not used)\n"),
               st->by_kind[PT_PROBLEM_DUPLICATE]);
    }
  pt_cli_print_label (_("Images"), 16);
  g_print (_("%u distinct, %u checked"), st->images, st->images_checked);
  if (st->max_width > 0)
    /* Translators: image width and height ranges in pixels */
    g_print (_("; width %d–%d, height %d–%d"), st->min_width, st->max_width, st->min_height,
             st->max_height);
  g_print ("\n");
  if (st->sizes->len > 0)
    {
      pt_cli_print_label (_("Image sizes"), 15);
      for (guint i = 0; i < st->sizes->len && i < top; i++)
        {
          const PtSizeCount *c = &g_array_index (st->sizes, PtSizeCount, i);
          g_print ("%s%d×%d (%u)", i ? ", " : " ", c->width, c->height, c->count);
        }
      g_print ("%s\n", st->sizes->len > top ? ", …" : "");
      pt_cli_print_label (_("Longer side"), 15);
      for (int b = 0; b < PT_N_SIZE_BUCKETS; b++)
        if (st->size_buckets[b] > 0)
          g_print (" %s: %u", pt_size_bucket_label (b), st->size_buckets[b]);
      g_print ("\n");
    }
  print_counts (_("Answers"), st->answers, top);
  print_counts (_("Question types"), st->question_types, top);
  print_counts (_("Answer types"), st->answer_types, top);
  pt_cli_print_label (_("Text"), 16);
  g_print (_("question %.1f words, answer %.1f words on average\n"),
           st->question_words_mean, st->answer_words_mean);
  if (st->has_tokens)
    {
      pt_cli_print_label (_("Tokens"), 16);
      /* Translators: token counts of prompt + answer; 95%% ≤ %d is the 95th percentile */
      g_print (_("prompt + answer: min %d, mean %.1f, 95%% ≤ %d, max %d\n"),
               st->tokens_min, st->tokens_mean, st->tokens_p95, st->tokens_max);
    }
  for (const char *const *n = pt_dataset_get_notes (ds); *n; n++)
    {
      pt_cli_print_label (_("Note"), 16);
      g_print ("%s\n", *n);
    }
  if (n_problems == 0)
    {
      pt_cli_print_label (_("Problems"), 16);
      /* Translators: "Problems: none" */
      g_print ("%s\n", _("none"));
      return;
    }
  g_print ("%s (%u):\n", _("Problems"), n_problems);
  for (guint i = 0; i < n_problems && (max_problems == 0 || i < max_problems); i++)
    {
      PtProblem p;
      g_autofree char *base = NULL;
      if (!pt_dataset_get_problem (ds, i, &p))
        break;
      base = g_path_get_basename (p.file);
      /* Translators: before a problem that does not make a record unusable */
      const char *warning = pt_problem_kind_is_fatal (p.kind) ? "" : _("warning: ");
      if (p.line > 0)
        g_print ("  %s:%u: %s%s\n", base, p.line, warning, p.reason);
      else
        g_print ("  %s: %s%s\n", base, warning, p.reason);
    }
  if (max_problems > 0 && n_problems > max_problems)
    g_print (g_dngettext (NULL, "  … %u more (--max-problems 0 or --json lists all)\n",
                          "  … %u more (--max-problems 0 or --json lists all)\n",
                          n_problems - max_problems),
             n_problems - max_problems);
}

static int
count_tokens (const char *text, gpointer data)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int32_t));

  if (!pt_tokenizer_encode (data, text, -1, ids, NULL))
    return -1;
  return (int) ids->len;
}

/* A model folder's tokenizer.model, or the file itself. */
static PtTokenizer *
open_tokenizer (const char *path, int *code)
{
  g_autofree char *file = g_file_test (path, G_FILE_TEST_IS_DIR)
                            ? g_build_filename (path, "tokenizer.model", NULL) : g_strdup (path);
  g_autoptr(GError) error = NULL;
  PtTokenizer *tok;

  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *display = g_filename_display_name (file);
      *code = pt_cli_usage_error (_("--tokenizer: %s does not exist"), display);
      return NULL;
    }
  tok = pt_tokenizer_load (file, &error);
  if (tok == NULL)
    *code = pt_cli_usage_error ("--tokenizer: %s", error->message);
  return tok;
}

static int
inspect (int argc, char **argv)
{
  gboolean json = FALSE, decode = FALSE, no_images = FALSE;
  g_autofree char *tokenizer = NULL;
  g_autofree char *template_ = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *split = NULL;
  g_autofree char *columns = NULL;
  int max_text_len = 128, max_problems = -1, top = 10;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    { "tokenizer", 0, 0, G_OPTION_ARG_FILENAME, &tokenizer,
      N_("Count tokens with this model folder or tokenizer.model"), N_("MODEL_DIR_OR_FILE") },
    { "template", 0, 0, G_OPTION_ARG_STRING, &template_,
      N_("Prompt template (default “answer {question}”)"), N_("T") },
    { "max-text-len", 0, 0, G_OPTION_ARG_INT, &max_text_len,
      N_("Warn about prompt + answer longer than N tokens (default 128)"), N_("N") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name,
      N_("Read as jsonl, csv, tsv, vqav2, parquet or arrow instead of detecting it"), N_("FORMAT") },
    { "split", 0, 0, G_OPTION_ARG_STRING, &split,
      N_("Split of a Parquet/Arrow dataset to read (default train)"), N_("NAME") },
    { "columns", 0, 0, G_OPTION_ARG_STRING, &columns,
      N_("Parquet/Arrow columns per field, e.g. image=img,question=query,answer=label"),
      N_("FIELD=COLUMN,…") },
    { "decode", 0, 0, G_OPTION_ARG_NONE, &decode, N_("Decode every image fully (slow)"), NULL },
    { "no-images", 0, 0, G_OPTION_ARG_NONE, &no_images, N_("Do not look at the images"), NULL },
    { "top", 0, 0, G_OPTION_ARG_INT, &top, N_("Rows of each frequency table (default 10)"), N_("N") },
    { "max-problems", 0, 0, G_OPTION_ARG_INT, &max_problems,
      N_("Problems to list (default 50, all with --json; 0 = all)"), N_("N") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDataset) ds = NULL;
  g_autoptr(PtDatasetStats) stats = NULL;
  g_autoptr(PtTokenizer) tok = NULL;
  PtDatasetFormat format = PT_DATASET_FORMAT_AUTO;
  PtScanOptions options;
  int code;

  if (!pt_cli_parse ("data inspect", _("PATH — a JSONL, CSV/TSV, VQAv2, Parquet or Arrow file, a VQAv2 "
                                       "folder, a Hugging Face hub or save_to_disk folder"),
                     entries, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return pt_cli_usage_error (_("data inspect needs one PATH (see “palitune-cli data inspect --help”)"));
  if (format_name != NULL && !pt_dataset_format_from_string (format_name, &format))
    return pt_cli_usage_error (_("unknown format “%s” (jsonl, csv, tsv, vqav2, parquet or arrow)"),
                               format_name);
  if (!pt_dataset_check_columns (columns, &error))
    return pt_cli_usage_error ("%s", error->message);
  if (template_ != NULL && g_strstr_len (template_, -1, "{question}") == NULL)
    /* Translators: {question} stays as it is */
    return pt_cli_usage_error (_("the template must contain {question}"));
  if (top < 0 || max_text_len < 0)
    return pt_cli_usage_error (_("--top and --max-text-len must not be negative"));
  if (max_problems < 0)
    max_problems = json ? 0 : 50;

  {
    PtDatasetLoadOptions load = { split, columns };
    ds = pt_dataset_load_with_options (argv[1], format, &load, NULL, &error);
  }
  if (ds == NULL)
    return pt_cli_fail (error);

  pt_scan_options_init (&options);
  options.check_images = !no_images;
  options.decode_images = decode && !no_images;
  options.prompt_template = template_;
  options.max_tokens = max_text_len;
  if (tokenizer != NULL)
    {
      tok = open_tokenizer (tokenizer, &code);
      if (tok == NULL)
        return code;
      options.count_tokens = count_tokens;
      options.count_tokens_data = tok;
    }
  if (!pt_dataset_scan (ds, &options, NULL, &error))
    return pt_cli_fail (error);

  stats = pt_dataset_compute_stats (ds);
  if (json)
    {
      g_autoptr(JsonNode) node = pt_dataset_report_to_json (ds, stats, (guint) max_problems, (guint) top);
      g_autofree char *text = pt_json_to_string (node, TRUE);
      fputs (text, stdout);
    }
  else
    print_report (ds, stats, (guint) max_problems, (guint) MAX (top, 1));
  return PT_EXIT_OK;
}

int
pt_cli_data (int argc, char **argv)
{
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      FILE *out = argc < 2 ? stderr : stdout;
      fprintf (out, "%s\n\n", _("Usage: palitune-cli data SUBCOMMAND [OPTIONS…]"));
      fprintf (out, "%s\n", _("Subcommands:"));
      fprintf (out, "  %-12s %s\n", "inspect", _("Check a dataset and print its statistics and problems"));
      return argc < 2 ? PT_EXIT_USAGE : PT_EXIT_OK;
    }
  if (g_str_equal (argv[1], "inspect"))
    return inspect (argc - 1, argv + 1);
  return pt_cli_usage_error (_("unknown data subcommand “%s” (see “palitune-cli data --help”)"), argv[1]);
}
