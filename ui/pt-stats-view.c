/* pt-stats-view.c — a dataset's statistics on the Data page. */
#include "config.h"

#include <math.h>              /* floor, log10, pow */

#include <glib/gi18n.h>

#include "pt-split.h"          /* pt_split_new: the split's sizes */
#include "pt-stats-view.h"

#define TOP_ANSWERS 15
#define TOP_TYPES   15
#define MAX_BINS    12

enum { COUNT_RECORDS, COUNT_USABLE, COUNT_UNUSABLE, COUNT_PROBLEMS, COUNT_DUPLICATES, COUNT_IMAGES, N_COUNTS };

struct _PtStatsView
{
  AdwBin          parent_instance;

  PtDataset      *dataset;
  guint           n_usable;
  double          val_split;
  guint64         seed;
  char           *val_data_path;
  gboolean        updating;
  guint           n_train, n_val;

  GtkLabel       *count_values[N_COUNTS];
  GtkLabel       *count_titles[N_COUNTS];
  PtBarChart     *answers_chart;
  GtkLabel       *answers_note;
  PtBarChart     *types_chart;
  GtkLabel       *types_note;
  PtBarChart     *sizes_chart;
  GtkLabel       *sizes_note;
  PtBarChart     *tokens_chart;
  GtkLabel       *tokens_note;

  /* template children */
  GtkFlowBox     *counts_box;
  GtkFlowBox     *charts_box;
  AdwActionRow   *split_row;
  GtkSpinButton  *split_spin;
  GtkAdjustment  *split_adjustment;
  GtkDropDown    *split_unit;
};

G_DEFINE_FINAL_TYPE (PtStatsView, pt_stats_view, ADW_TYPE_BIN)

enum {
  SPLIT_EDITED,
  ANSWER_ACTIVATED,
  QUESTION_TYPE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
format_count (guint n)
{
  return g_strdup_printf ("%'u", n);
}

/* ---- the split ---- */

static void
update_split (PtStatsView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *subtitle = NULL;
  gboolean records = self->val_split >= 1;
  gboolean has_val_split;

  self->updating = TRUE;
  gtk_drop_down_set_selected (self->split_unit, records ? 1 : 0);
  if (records)
    {
      gtk_adjustment_configure (self->split_adjustment, self->val_split, 0, MAX (self->n_usable, 1), 1, 10, 0);
      gtk_spin_button_set_digits (self->split_spin, 0);
    }
  else
    {
      gtk_adjustment_configure (self->split_adjustment, self->val_split * 100, 0, 90, 1, 5, 0);
      gtk_spin_button_set_digits (self->split_spin, 1);
    }
  self->updating = FALSE;

  self->n_train = self->n_val = G_MAXUINT;
  /* a Parquet/Arrow dataset's "validation" split validates (pt-trainer.c) */
  has_val_split = self->dataset != NULL && self->val_data_path == NULL
                  && g_strv_contains (pt_dataset_get_splits (self->dataset), "validation")
                  && g_strcmp0 (pt_dataset_get_split (self->dataset), "validation") != 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->split_spin), self->val_data_path == NULL && !has_val_split);
  gtk_widget_set_sensitive (GTK_WIDGET (self->split_unit), self->val_data_path == NULL && !has_val_split);
  if (self->val_data_path != NULL || has_val_split)
    {
      g_autofree char *name = has_val_split ? g_strdup (_("the “validation” split"))
                                            : g_path_get_basename (self->val_data_path);
      /* Translators: %s is a file name */
      subtitle = g_strdup_printf (_("Validation records come from %s; every usable record here trains"), name);
    }
  else if (self->dataset != NULL)
    {
      g_autoptr(PtSplit) split = pt_split_new (self->dataset, self->val_split, self->seed, &error);
      if (split != NULL)
        {
          g_autofree char *train = format_count (split->n_train);
          g_autofree char *val = format_count (split->n_val);
          self->n_train = split->n_train;
          self->n_val = split->n_val;
          /* Translators: both are numbers of records; the plural is the first one's */
          subtitle = g_strdup_printf (g_dngettext (NULL, "%s record for training, %s for validation",
                                                   "%s records for training, %s for validation",
                                                   split->n_train),
                                      train, val);
        }
      else
        subtitle = g_strdup (error->message);
    }
  adw_action_row_set_subtitle (self->split_row, subtitle != NULL ? subtitle : "");
  if (error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->split_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->split_row), "error");
}

static void
split_value_cb (GtkAdjustment *adjustment,
                PtStatsView   *self)
{
  double v = gtk_adjustment_get_value (adjustment);

  if (self->updating)
    return;
  self->val_split = gtk_drop_down_get_selected (self->split_unit) == 1 ? floor (v) : v / 100.0;
  if (self->val_split >= 1 && gtk_drop_down_get_selected (self->split_unit) == 0)
    self->val_split = 0.9;
  update_split (self);
  g_signal_emit (self, signals[SPLIT_EDITED], 0, self->val_split);
}

static void
split_unit_cb (GtkDropDown *dropdown,
               GParamSpec  *pspec,
               PtStatsView *self)
{
  gboolean records = gtk_drop_down_get_selected (dropdown) == 1;

  if (self->updating || records == (self->val_split >= 1))
    return;
  /* the same share in the other unit */
  if (records)
    self->val_split = MAX (1, floor (self->val_split * self->n_usable + 0.5));
  else
    self->val_split = self->n_usable > 0 ? MIN (self->val_split / self->n_usable, 0.9) : 0.1;
  update_split (self);
  g_signal_emit (self, signals[SPLIT_EDITED], 0, self->val_split);
}

void
pt_stats_view_set_split (PtStatsView *self,
                         double       val_split,
                         guint64      seed,
                         const char  *val_data_path)
{
  g_return_if_fail (PT_IS_STATS_VIEW (self));

  /* every edit on the Train page comes here: split again only when it matters */
  if (val_split == self->val_split && seed == self->seed
      && g_strcmp0 (val_data_path, self->val_data_path) == 0 && self->n_train != G_MAXUINT)
    return;
  self->val_split = val_split;
  self->seed = seed;
  g_free (self->val_data_path);
  self->val_data_path = g_strdup (val_data_path);
  update_split (self);
}

void
pt_stats_view_get_split_sizes (PtStatsView *self,
                               guint       *n_train,
                               guint       *n_val)
{
  g_return_if_fail (PT_IS_STATS_VIEW (self));
  *n_train = self->n_train;
  *n_val = self->n_val;
}

GtkSpinButton *
pt_stats_view_get_split_spin (PtStatsView *self)
{
  g_return_val_if_fail (PT_IS_STATS_VIEW (self), NULL);
  return self->split_spin;
}

/* ---- charts ---- */

static void
set_counts_chart (PtBarChart   *chart,
                  const GArray *counts,   /* of PtCount */
                  guint         top)
{
  guint n = counts != NULL ? MIN (counts->len, top) : 0;
  g_autofree const char **labels = g_new0 (const char *, n + 1);
  g_autofree double *values = g_new0 (double, n + 1);

  for (guint i = 0; i < n; i++)
    {
      const PtCount *c = &g_array_index (counts, PtCount, i);
      labels[i] = c->text;
      values[i] = c->count;
    }
  pt_bar_chart_set_data (chart, labels, values, n);
}

/* A round bin width (1, 2 or 5 × 10^k) giving at most MAX_BINS bins up to max. */
static int
nice_bin (int max)
{
  double raw = MAX (1.0, (double) (max + 1) / MAX_BINS);
  double p = pow (10, floor (log10 (raw)));

  for (int i = 0; i < 3; i++)
    {
      static const double steps[] = { 1, 2, 5 };
      if (steps[i] * p >= raw)
        return (int) (steps[i] * p);
    }
  return (int) (10 * p);
}

void
pt_stats_view_set_token_counts (PtStatsView   *self,
                                const guint16 *counts,
                                guint          n,
                                int            max_text_len,
                                const char    *message)
{
  guint bins[MAX_BINS + 1] = { 0 };
  char *labels_mem[MAX_BINS + 1] = { NULL };
  const char *labels[MAX_BINS + 1];
  double values[MAX_BINS + 1];
  guint n_counted = 0, over = 0, n_bins;
  int max = 0, bin;
  double sum = 0;
  g_autofree guint *hist = NULL;
  guint p95 = 0;

  g_return_if_fail (PT_IS_STATS_VIEW (self));

  if (counts == NULL)
    {
      pt_bar_chart_set_data (self->tokens_chart, NULL, NULL, 0);
      gtk_widget_set_visible (GTK_WIDGET (self->tokens_chart), FALSE);
      gtk_label_set_text (self->tokens_note, message != NULL ? message : "");
      return;
    }
  for (guint i = 0; i < n; i++)
    if (counts[i] > 0)
      {
        n_counted++;
        sum += counts[i];
        max = MAX (max, counts[i]);
        over += max_text_len > 0 && counts[i] > max_text_len;
      }
  bin = nice_bin (max);
  n_bins = MIN ((guint) (max / bin) + 1, MAX_BINS + 1);
  hist = g_new0 (guint, max + 1);
  for (guint i = 0; i < n; i++)
    if (counts[i] > 0)
      {
        bins[MIN ((guint) (counts[i] / bin), n_bins - 1)]++;
        hist[counts[i]]++;
      }
  for (guint i = 0, seen = 0; i <= (guint) max; i++)
    {
      seen += hist[i];
      if (seen * 100 >= n_counted * 95)
        {
          p95 = i;
          break;
        }
    }
  for (guint i = 0; i < n_bins; i++)
    {
      labels_mem[i] = bin == 1 ? g_strdup_printf ("%u", i) : g_strdup_printf ("%u–%u", i * bin, (i + 1) * bin - 1);
      labels[i] = labels_mem[i];
      values[i] = bins[i];
    }
  pt_bar_chart_set_data (self->tokens_chart, labels, values, n_bins);
  for (guint i = 0; i < n_bins; i++)
    g_free (labels_mem[i]);
  gtk_widget_set_visible (GTK_WIDGET (self->tokens_chart), n_counted > 0);
  {
    g_autofree char *note = NULL;
    if (n_counted == 0)
      note = g_strdup (_("No usable record to count"));
    else if (max_text_len > 0)
      /* Translators: token statistics of a dataset's prompts + answers */
      note = g_strdup_printf (_("Mean %.1f, 95%% within %u, longest %d tokens. %u over the maximum text length of %d (training truncates them)."),
                              sum / n_counted, p95, max, over, max_text_len);
    else
      note = g_strdup_printf (_("Mean %.1f, 95%% within %u, longest %d tokens."), sum / n_counted, p95, max);
    gtk_label_set_text (self->tokens_note, note);
    if (over > 0)
      gtk_widget_add_css_class (GTK_WIDGET (self->tokens_note), "warning");
    else
      gtk_widget_remove_css_class (GTK_WIDGET (self->tokens_note), "warning");
  }
}

void
pt_stats_view_set_dataset (PtStatsView          *self,
                           PtDataset            *dataset,
                           const PtDatasetStats *stats)
{
  guint values[N_COUNTS] = { 0 };

  g_return_if_fail (PT_IS_STATS_VIEW (self));

  g_clear_pointer (&self->dataset, pt_dataset_unref);
  self->dataset = dataset != NULL ? pt_dataset_ref (dataset) : NULL;
  self->n_usable = stats != NULL ? stats->usable : 0;
  if (stats != NULL)
    {
      values[COUNT_RECORDS] = stats->records;
      values[COUNT_USABLE] = stats->usable;
      values[COUNT_UNUSABLE] = stats->records - stats->usable;
      values[COUNT_PROBLEMS] = stats->problems;
      values[COUNT_DUPLICATES] = stats->by_kind[PT_PROBLEM_DUPLICATE];
      values[COUNT_IMAGES] = stats->images;
    }
  for (guint i = 0; i < N_COUNTS; i++)
    {
      g_autofree char *text = format_count (values[i]);
      gtk_label_set_text (self->count_values[i], text);
    }
  if (values[COUNT_UNUSABLE] > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->count_values[COUNT_UNUSABLE]), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->count_values[COUNT_UNUSABLE]), "error");
  if (values[COUNT_PROBLEMS] > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->count_values[COUNT_PROBLEMS]), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->count_values[COUNT_PROBLEMS]), "warning");

  set_counts_chart (self->answers_chart, stats != NULL ? stats->answers : NULL, TOP_ANSWERS);
  set_counts_chart (self->types_chart, stats != NULL ? stats->question_types : NULL, TOP_TYPES);
  {
    guint n_answers = stats != NULL ? stats->answers->len : 0;
    g_autofree char *distinct = format_count (n_answers);
    g_autofree char *note = NULL;
    if (n_answers > TOP_ANSWERS)
      /* Translators: under the chart of the 15 most frequent answers */
      note = g_strdup_printf (_("%s distinct answers; the %d most frequent shown. Click one to list its records."),
                              distinct, TOP_ANSWERS);
    else
      note = g_strdup_printf (g_dngettext (NULL, "%s distinct answer. Click one to list its records.",
                                           "%s distinct answers. Click one to list its records.", n_answers),
                              distinct);
    gtk_label_set_text (self->answers_note, note);
  }
  {
    guint n_types = stats != NULL ? stats->question_types->len : 0;
    gtk_widget_set_visible (GTK_WIDGET (self->types_chart), n_types > 0);
    gtk_label_set_text (self->types_note, n_types > 0 ? _("Click one to list its records.")
                                                      : _("The records give no question type."));
  }
  {
    const char *labels[PT_N_SIZE_BUCKETS];
    double hist[PT_N_SIZE_BUCKETS];
    g_autofree char *note = NULL;
    guint n = 0;

    for (int b = 0; b < PT_N_SIZE_BUCKETS; b++)
      {
        if (b == PT_SIZE_UNKNOWN && (stats == NULL || stats->size_buckets[b] == 0))
          continue;
        labels[n] = b == PT_SIZE_UNKNOWN ? _("unknown") : pt_size_bucket_label (b);
        hist[n++] = stats != NULL ? stats->size_buckets[b] : 0;
      }
    pt_bar_chart_set_data (self->sizes_chart, labels, hist, stats != NULL ? n : 0);
    if (stats != NULL && stats->sizes->len > 0)
      {
        const PtSizeCount *top = &g_array_index (stats->sizes, PtSizeCount, 0);
        /* Translators: image size statistics; sizes are "width × height" in pixels */
        note = g_strdup_printf (g_dngettext (NULL,
                                             "Longer side, in pixels. Smallest %d × %d, largest %d × %d, most common %d × %d (%u image).",
                                             "Longer side, in pixels. Smallest %d × %d, largest %d × %d, most common %d × %d (%u images).",
                                             top->count),
                                stats->min_width, stats->min_height, stats->max_width, stats->max_height,
                                top->width, top->height, top->count);
      }
    else
      note = g_strdup (_("No image size is known yet."));
    gtk_label_set_text (self->sizes_note, note);
  }
  update_split (self);
}

PtBarChart *
pt_stats_view_get_answers_chart (PtStatsView *self)
{
  g_return_val_if_fail (PT_IS_STATS_VIEW (self), NULL);
  return self->answers_chart;
}

PtBarChart *
pt_stats_view_get_types_chart (PtStatsView *self)
{
  g_return_val_if_fail (PT_IS_STATS_VIEW (self), NULL);
  return self->types_chart;
}

PtBarChart *
pt_stats_view_get_sizes_chart (PtStatsView *self)
{
  g_return_val_if_fail (PT_IS_STATS_VIEW (self), NULL);
  return self->sizes_chart;
}

PtBarChart *
pt_stats_view_get_tokens_chart (PtStatsView *self)
{
  g_return_val_if_fail (PT_IS_STATS_VIEW (self), NULL);
  return self->tokens_chart;
}

static void
answer_bar_cb (PtBarChart  *chart,
               guint        index,
               PtStatsView *self)
{
  g_signal_emit (self, signals[ANSWER_ACTIVATED], 0, pt_bar_chart_get_label (chart, index));
}

static void
type_bar_cb (PtBarChart  *chart,
             guint        index,
             PtStatsView *self)
{
  g_signal_emit (self, signals[QUESTION_TYPE_ACTIVATED], 0, pt_bar_chart_get_label (chart, index));
}

GtkWidget *
pt_stats_view_new (void)
{
  return g_object_new (PT_TYPE_STATS_VIEW, NULL);
}

static void
pt_stats_view_dispose (GObject *object)
{
  PtStatsView *self = PT_STATS_VIEW (object);

  g_clear_pointer (&self->dataset, pt_dataset_unref);
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_STATS_VIEW);
  G_OBJECT_CLASS (pt_stats_view_parent_class)->dispose (object);
}

static void
pt_stats_view_finalize (GObject *object)
{
  PtStatsView *self = PT_STATS_VIEW (object);

  g_free (self->val_data_path);
  G_OBJECT_CLASS (pt_stats_view_parent_class)->finalize (object);
}

static void
pt_stats_view_class_init (PtStatsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_stats_view_dispose;
  object_class->finalize = pt_stats_view_finalize;

  signals[SPLIT_EDITED] =
    g_signal_new ("split-edited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_DOUBLE);
  signals[ANSWER_ACTIVATED] =
    g_signal_new ("answer-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[QUESTION_TYPE_ACTIVATED] =
    g_signal_new ("question-type-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-stats-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PtStatsView, counts_box);
  gtk_widget_class_bind_template_child (widget_class, PtStatsView, charts_box);
  gtk_widget_class_bind_template_child (widget_class, PtStatsView, split_row);
  gtk_widget_class_bind_template_child (widget_class, PtStatsView, split_spin);
  gtk_widget_class_bind_template_child (widget_class, PtStatsView, split_adjustment);
  gtk_widget_class_bind_template_child (widget_class, PtStatsView, split_unit);
}

static void
add_count (PtStatsView *self,
           guint        i,
           const char  *title,
           const char  *tooltip)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "stat-card");
  self->count_values[i] = GTK_LABEL (gtk_label_new ("0"));
  gtk_widget_add_css_class (GTK_WIDGET (self->count_values[i]), "title-2");
  gtk_widget_add_css_class (GTK_WIDGET (self->count_values[i]), "numeric");
  self->count_titles[i] = GTK_LABEL (gtk_label_new (title));
  gtk_widget_add_css_class (GTK_WIDGET (self->count_titles[i]), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->count_values[i]));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->count_titles[i]));
  gtk_widget_set_tooltip_text (box, tooltip);
  gtk_flow_box_append (self->counts_box, box);
  gtk_widget_set_can_focus (gtk_widget_get_parent (box), FALSE);
}

static PtBarChart *
add_chart (PtStatsView    *self,
           const char     *title,
           GtkOrientation  orientation,
           GtkLabel      **note)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *chart = pt_bar_chart_new (orientation);

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "chart-card");
  gtk_widget_set_valign (box, GTK_ALIGN_START);
  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  *note = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (*note, TRUE);
  gtk_label_set_max_width_chars (*note, 50);
  gtk_label_set_xalign (*note, 0);
  gtk_widget_add_css_class (GTK_WIDGET (*note), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (*note), "caption");
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), chart);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (*note));
  gtk_flow_box_append (self->charts_box, box);
  gtk_widget_set_can_focus (gtk_widget_get_parent (box), FALSE);
  return PT_BAR_CHART (chart);
}

static void
pt_stats_view_init (PtStatsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  add_count (self, COUNT_RECORDS, _("Records"), _("Every record read"));
  add_count (self, COUNT_USABLE, _("Usable"), _("Records training can use"));
  add_count (self, COUNT_UNUSABLE, _("Unusable"), _("Records left out of training, each for a reason on the Problems tab"));
  add_count (self, COUNT_PROBLEMS, _("Problems"), _("Problems and warnings found, lines that gave no record included"));
  add_count (self, COUNT_DUPLICATES, _("Duplicates"), _("Records with the same image, question and answer as an earlier one (records that differ only in their answer are all kept)"));
  add_count (self, COUNT_IMAGES, _("Images"), _("Distinct images of the usable records"));

  self->answers_chart = add_chart (self, _("Most Frequent Answers"), GTK_ORIENTATION_HORIZONTAL, &self->answers_note);
  self->types_chart = add_chart (self, _("Question Types"), GTK_ORIENTATION_HORIZONTAL, &self->types_note);
  self->sizes_chart = add_chart (self, _("Image Sizes"), GTK_ORIENTATION_VERTICAL, &self->sizes_note);
  self->tokens_chart = add_chart (self, _("Token Lengths"), GTK_ORIENTATION_VERTICAL, &self->tokens_note);
  pt_stats_view_set_token_counts (self, NULL, 0, 0, NULL);

  g_signal_connect (self->answers_chart, "bar-activated", G_CALLBACK (answer_bar_cb), self);
  g_signal_connect (self->types_chart, "bar-activated", G_CALLBACK (type_bar_cb), self);
  g_signal_connect (self->split_adjustment, "value-changed", G_CALLBACK (split_value_cb), self);
  g_signal_connect (self->split_unit, "notify::selected", G_CALLBACK (split_unit_cb), self);
  self->val_split = 0.1;
}
