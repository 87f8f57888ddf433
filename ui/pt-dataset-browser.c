/* pt-dataset-browser.c — a loaded dataset on the Data page. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-dataset-browser.h"
#include "pt-index-model.h"

#define THUMB_SIDE  192   /* decoded thumbnails, pixels on the longer side */
#define MAX_ANSWERS 200   /* answers offered in the filter */

struct _PtDatasetBrowser
{
  AdwBin             parent_instance;

  PtDataset         *dataset;
  PtDatasetStats    *stats;
  guint8            *has_problem;
  PtIndexModel      *model;
  PtThumbnailLoader *loader;
  PtRecordFilter     filter;
  gboolean           updating;
  GPtrArray         *answer_items;   /* of char*: the answer dropdown's entries after "any" */
  GPtrArray         *type_items;     /* of char*: the type dropdown's entries after "any" */

  PtModelTokenizer  *tokenizer;
  char              *tokenizer_hint;
  char              *template_;
  int                max_text_len;
  int                resolution;
  guint16           *token_counts;
  GCancellable      *count_cancellable;
  guint              recount_id;        /* a template being typed: count once it rests */

  /* template children */
  GtkLabel          *title_label;
  GtkLabel          *subtitle_label;
  AdwFlap           *flap;
  AdwViewStack      *views;
  AdwViewStackPage  *problems_page;
  GtkSearchEntry    *search_entry;
  GtkDropDown       *answer_dropdown;
  GtkDropDown       *type_dropdown;
  GtkToggleButton   *problems_toggle;
  GtkLabel          *count_label;
  GtkStack          *records_stack;
  PtRecordGrid      *grid;
  PtStatsView       *stats_view;
  PtProblemList     *problem_list;
  PtRecordDetail    *detail;
};

G_DEFINE_FINAL_TYPE (PtDatasetBrowser, pt_dataset_browser, ADW_TYPE_BIN)

enum {
  SPLIT_EDITED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
format_count (guint n)
{
  return g_strdup_printf ("%'u", n);
}

/* ---- filtering ---- */

static void
update_navigation (PtDatasetBrowser *self)
{
  guint index = pt_record_detail_get_index (self->detail);
  guint pos = index != G_MAXUINT ? pt_index_model_find (self->model, index) : G_MAXUINT;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));

  if (pos != G_MAXUINT)
    pt_record_detail_set_can_navigate (self->detail, pos > 0, pos + 1 < n);
  else
    pt_record_detail_set_can_navigate (self->detail, index != G_MAXUINT && index > 0,
                                       index != G_MAXUINT && self->dataset != NULL
                                       && index + 1 < pt_dataset_get_n_records (self->dataset));
}

static void
apply_filter (PtDatasetBrowser *self)
{
  guint n_total = self->dataset != NULL ? pt_dataset_get_n_records (self->dataset) : 0;
  guint n_shown;
  g_autofree char *shown = NULL;
  g_autofree char *total = NULL;
  g_autofree char *text = NULL;

  if (self->dataset == NULL)
    pt_index_model_set_range (self->model, 0);
  else if (pt_record_filter_is_empty (&self->filter))
    pt_index_model_set_range (self->model, n_total);
  else
    {
      guint n;
      guint *indices = pt_record_filter_apply (&self->filter, self->dataset, self->has_problem, &n);
      pt_index_model_set_indices (self->model, indices, n);
    }
  n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  shown = format_count (n_shown);
  total = format_count (n_total);
  if (n_shown == n_total)
    /* Translators: %s is a number of records */
    text = g_strdup_printf (g_dngettext (NULL, "%s record", "%s records", n_total), total);
  else
    /* Translators: records shown by a filter, out of all */
    text = g_strdup_printf (_("%s of %s"), shown, total);
  gtk_label_set_text (self->count_label, text);
  gtk_stack_set_visible_child_name (self->records_stack, n_shown > 0 || n_total == 0 ? "grid" : "none");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browser.clear-filters",
                                 !pt_record_filter_is_empty (&self->filter));
  update_navigation (self);
}

/* The filter from the widgets. */
static void
filter_widgets_cb (PtDatasetBrowser *self)
{
  guint a, t;

  if (self->updating)
    return;
  g_free (self->filter.text);
  self->filter.text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  a = gtk_drop_down_get_selected (self->answer_dropdown);
  g_clear_pointer (&self->filter.answer, g_free);
  if (a != GTK_INVALID_LIST_POSITION && a > 0 && a - 1 < self->answer_items->len)
    self->filter.answer = g_strdup (self->answer_items->pdata[a - 1]);
  t = gtk_drop_down_get_selected (self->type_dropdown);
  g_clear_pointer (&self->filter.question_type, g_free);
  if (t != GTK_INVALID_LIST_POSITION && t > 0 && t - 1 < self->type_items->len)
    self->filter.question_type = g_strdup (self->type_items->pdata[t - 1]);
  self->filter.problems_only = gtk_toggle_button_get_active (self->problems_toggle);
  apply_filter (self);
}

static guint
find_item (GPtrArray  *items,
           const char *value)
{
  for (guint i = 0; value != NULL && i < items->len; i++)
    if (g_str_equal (items->pdata[i], value))
      return i;
  return G_MAXUINT;
}

/* The dropdowns' labels ellipsize, so a narrow window can still hold the bar. */
static void
setup_label_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_width_chars (GTK_LABEL (label), 4);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 24);
  gtk_list_item_set_child (item, label);
}

static void
bind_label_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  data)
{
  GtkStringObject *s = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), gtk_string_object_get_string (s));
}

static void
set_label_factory (GtkDropDown *dropdown)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_label_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_label_cb), NULL);
  gtk_drop_down_set_factory (dropdown, factory);
  g_object_unref (factory);
}

/* Fills a filter dropdown: "any", then items. */
static void
fill_dropdown (GtkDropDown *dropdown,
               const char  *any,
               GPtrArray   *items)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  gtk_string_list_append (list, any);
  for (guint i = 0; i < items->len; i++)
    gtk_string_list_append (list, *(const char *) items->pdata[i] != '\0' ? items->pdata[i] : _("(empty)"));
  gtk_drop_down_set_model (dropdown, G_LIST_MODEL (list));
  g_object_unref (list);
}

static void
filter_to_widgets (PtDatasetBrowser *self)
{
  guint a, t;

  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), self->filter.text != NULL ? self->filter.text : "");
  a = find_item (self->answer_items, self->filter.answer);
  if (self->filter.answer != NULL && a == G_MAXUINT)
    {
      g_ptr_array_add (self->answer_items, g_strdup (self->filter.answer));
      gtk_string_list_append (GTK_STRING_LIST (gtk_drop_down_get_model (self->answer_dropdown)), self->filter.answer);
      a = self->answer_items->len - 1;
    }
  gtk_drop_down_set_selected (self->answer_dropdown, a == G_MAXUINT ? 0 : a + 1);
  t = find_item (self->type_items, self->filter.question_type);
  gtk_drop_down_set_selected (self->type_dropdown, t == G_MAXUINT ? 0 : t + 1);
  gtk_toggle_button_set_active (self->problems_toggle, self->filter.problems_only);
  self->updating = FALSE;
}

void
pt_dataset_browser_set_filter (PtDatasetBrowser     *self,
                               const PtRecordFilter *filter)
{
  g_return_if_fail (PT_IS_DATASET_BROWSER (self));
  g_return_if_fail (filter != NULL);

  pt_record_filter_copy (filter, &self->filter);
  filter_to_widgets (self);
  apply_filter (self);
}

const PtRecordFilter *
pt_dataset_browser_get_filter (PtDatasetBrowser *self)
{
  g_return_val_if_fail (PT_IS_DATASET_BROWSER (self), NULL);
  return &self->filter;
}

guint
pt_dataset_browser_get_n_shown (PtDatasetBrowser *self)
{
  g_return_val_if_fail (PT_IS_DATASET_BROWSER (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->model));
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PtDatasetBrowser *self = PT_DATASET_BROWSER (widget);

  pt_dataset_browser_show_view (self, "records");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
clear_filters_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  PtDatasetBrowser *self = PT_DATASET_BROWSER (widget);
  PtRecordFilter none = { 0 };

  pt_dataset_browser_set_filter (self, &none);
}

static void
answer_activated_cb (PtStatsView      *view,
                     const char       *answer,
                     PtDatasetBrowser *self)
{
  PtRecordFilter f = { 0 };

  f.answer = (char *) answer;
  pt_dataset_browser_set_filter (self, &f);
  pt_dataset_browser_show_view (self, "records");
}

static void
type_activated_cb (PtStatsView      *view,
                   const char       *type,
                   PtDatasetBrowser *self)
{
  PtRecordFilter f = { 0 };

  f.question_type = (char *) type;
  pt_dataset_browser_set_filter (self, &f);
  pt_dataset_browser_show_view (self, "records");
}

/* ---- token lengths ---- */

static void
update_token_stats (PtDatasetBrowser *self)
{
  if (self->token_counts != NULL && self->dataset != NULL)
    pt_stats_view_set_token_counts (self->stats_view, self->token_counts,
                                    pt_dataset_get_n_records (self->dataset), self->max_text_len, NULL);
  else if (self->count_cancellable != NULL)
    pt_stats_view_set_token_counts (self->stats_view, NULL, 0, 0, _("Counting tokens…"));
  else
    pt_stats_view_set_token_counts (self->stats_view, NULL, 0, 0,
                                    self->tokenizer_hint != NULL
                                    ? self->tokenizer_hint
                                    : _("Choose a model folder on the Train page to measure the prompts in tokens."));
}

static void
count_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(PtDatasetBrowser) self = user_data;
  g_autoptr(GError) error = NULL;
  guint16 *counts = pt_model_tokenizer_count_dataset_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->count_cancellable);
  g_free (self->token_counts);
  self->token_counts = counts;
  if (counts == NULL)
    pt_stats_view_set_token_counts (self->stats_view, NULL, 0, 0, error->message);
  else
    update_token_stats (self);
}

static void
recount (PtDatasetBrowser *self)
{
  g_clear_handle_id (&self->recount_id, g_source_remove);
  if (self->count_cancellable != NULL)
    g_cancellable_cancel (self->count_cancellable);
  g_clear_object (&self->count_cancellable);
  g_clear_pointer (&self->token_counts, g_free);
  if (self->dataset != NULL && self->tokenizer != NULL)
    {
      self->count_cancellable = g_cancellable_new ();
      pt_model_tokenizer_count_dataset_async (self->tokenizer, self->dataset, self->template_,
                                              self->count_cancellable, count_cb, g_object_ref (self));
    }
  update_token_stats (self);
}

gboolean
pt_dataset_browser_is_counting (PtDatasetBrowser *self)
{
  g_return_val_if_fail (PT_IS_DATASET_BROWSER (self), FALSE);
  return self->count_cancellable != NULL || self->recount_id != 0;
}

void
pt_dataset_browser_set_tokenizer (PtDatasetBrowser *self,
                                  PtModelTokenizer *tokenizer,
                                  const char       *hint)
{
  gboolean changed;

  g_return_if_fail (PT_IS_DATASET_BROWSER (self));

  changed = tokenizer != self->tokenizer;
  if (changed)
    {
      g_clear_pointer (&self->tokenizer, pt_model_tokenizer_unref);
      self->tokenizer = tokenizer != NULL ? pt_model_tokenizer_ref (tokenizer) : NULL;
    }
  g_free (self->tokenizer_hint);
  self->tokenizer_hint = g_strdup (hint);
  pt_record_detail_set_tokenizer (self->detail, tokenizer, hint);
  if (changed)
    recount (self);
  else
    update_token_stats (self);
}

static gboolean
recount_cb (gpointer data)
{
  PtDatasetBrowser *self = data;

  self->recount_id = 0;
  recount (self);
  return G_SOURCE_REMOVE;
}

void
pt_dataset_browser_set_settings (PtDatasetBrowser      *self,
                                 const PtTrainSettings *settings)
{
  gboolean template_changed;

  g_return_if_fail (PT_IS_DATASET_BROWSER (self));
  g_return_if_fail (settings != NULL);

  template_changed = g_strcmp0 (settings->prompt_template, self->template_) != 0;
  g_free (self->template_);
  self->template_ = g_strdup (settings->prompt_template);
  self->resolution = settings->resolution;
  pt_record_detail_set_options (self->detail, settings->prompt_template, settings->max_text_len,
                                settings->resolution);
  pt_stats_view_set_split (self->stats_view, settings->val_split, settings->seed, settings->val_data_path);
  if (template_changed)
    {
      self->max_text_len = settings->max_text_len;
      g_clear_handle_id (&self->recount_id, g_source_remove);
      if (self->dataset != NULL && self->tokenizer != NULL)
        self->recount_id = g_timeout_add (400, recount_cb, self);
    }
  else if (settings->max_text_len != self->max_text_len)
    {
      self->max_text_len = settings->max_text_len;
      update_token_stats (self);
    }
}

static void
split_edited_cb (PtStatsView      *view,
                 double            val_split,
                 PtDatasetBrowser *self)
{
  g_signal_emit (self, signals[SPLIT_EDITED], 0, val_split);
}

/* ---- the dataset ---- */

static void
fill_filters (PtDatasetBrowser *self)
{
  g_ptr_array_set_size (self->answer_items, 0);
  g_ptr_array_set_size (self->type_items, 0);
  if (self->stats != NULL)
    {
      for (guint i = 0; i < MIN (self->stats->answers->len, MAX_ANSWERS); i++)
        g_ptr_array_add (self->answer_items, g_strdup (g_array_index (self->stats->answers, PtCount, i).text));
      for (guint i = 0; i < self->stats->question_types->len; i++)
        g_ptr_array_add (self->type_items, g_strdup (g_array_index (self->stats->question_types, PtCount, i).text));
    }
  self->updating = TRUE;
  fill_dropdown (self->answer_dropdown, _("Any answer"), self->answer_items);
  fill_dropdown (self->type_dropdown, _("Any type"), self->type_items);
  gtk_widget_set_visible (GTK_WIDGET (self->answer_dropdown), self->answer_items->len > 1);
  gtk_widget_set_visible (GTK_WIDGET (self->type_dropdown), self->type_items->len > 0);
  self->updating = FALSE;
}

void
pt_dataset_browser_set_dataset (PtDatasetBrowser *self,
                                PtDataset        *dataset,
                                PtDatasetStats   *stats,
                                double            load_seconds)
{
  g_autofree char *name = NULL;
  g_autofree char *subtitle = NULL;
  guint n_problems;

  g_return_if_fail (PT_IS_DATASET_BROWSER (self));

  pt_dataset_browser_close_record (self);
  pt_record_detail_set_record (self->detail, NULL, 0);
  pt_record_grid_set_dataset (self->grid, NULL, self->model, NULL, self->loader);
  pt_index_model_set_range (self->model, 0);
  g_clear_pointer (&self->dataset, pt_dataset_unref);
  g_clear_pointer (&self->stats, pt_dataset_stats_free);
  g_clear_pointer (&self->has_problem, g_free);
  pt_thumbnail_loader_clear (self->loader);
  pt_record_filter_clear (&self->filter);

  self->dataset = dataset != NULL ? pt_dataset_ref (dataset) : NULL;
  self->stats = stats;
  if (dataset != NULL)
    self->has_problem = pt_record_filter_problem_map (dataset);
  fill_filters (self);
  filter_to_widgets (self);
  pt_record_grid_set_dataset (self->grid, dataset, self->model, self->has_problem, self->loader);
  apply_filter (self);
  pt_stats_view_set_dataset (self->stats_view, dataset, stats);
  pt_problem_list_set_dataset (self->problem_list, dataset);

  n_problems = dataset != NULL ? pt_dataset_get_n_problems (dataset) : 0;
  adw_view_stack_page_set_badge_number (self->problems_page, n_problems);
  adw_view_stack_page_set_needs_attention (self->problems_page,
                                           stats != NULL && stats->records > stats->usable);
  if (dataset != NULL)
    {
      guint n_records = pt_dataset_get_n_records (dataset);
      g_autofree char *records = format_count (n_records);
      const char *format = pt_dataset_format_to_string (pt_dataset_get_format (dataset));
      g_autofree char *upper = g_ascii_strup (format, -1);

      name = g_path_get_basename (pt_dataset_get_path (dataset));
      if (load_seconds >= 0)
        /* Translators: the dataset's format, its number of records and the time it took to read it */
        subtitle = g_strdup_printf (g_dngettext (NULL, "%s · %s record · read in %.1f s",
                                                 "%s · %s records · read in %.1f s", n_records),
                                    upper, records, load_seconds);
      else
        /* Translators: the dataset's format and its number of records */
        subtitle = g_strdup_printf (g_dngettext (NULL, "%s · %s record", "%s · %s records", n_records),
                                    upper, records);
    }
  gtk_label_set_text (self->title_label, name != NULL ? name : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label),
                               dataset != NULL ? pt_dataset_get_path (dataset) : NULL);
  gtk_label_set_text (self->subtitle_label, subtitle != NULL ? subtitle : "");
  recount (self);
}

PtDataset *
pt_dataset_browser_get_dataset (PtDatasetBrowser *self)
{
  g_return_val_if_fail (PT_IS_DATASET_BROWSER (self), NULL);
  return self->dataset;
}

/* ---- the record panel ---- */

void
pt_dataset_browser_show_record (PtDatasetBrowser *self,
                                guint             index)
{
  g_return_if_fail (PT_IS_DATASET_BROWSER (self));
  g_return_if_fail (self->dataset != NULL && index < pt_dataset_get_n_records (self->dataset));

  pt_record_detail_set_record (self->detail, self->dataset, index);
  update_navigation (self);
  adw_flap_set_reveal_flap (self->flap, TRUE);
}

void
pt_dataset_browser_close_record (PtDatasetBrowser *self)
{
  g_return_if_fail (PT_IS_DATASET_BROWSER (self));
  adw_flap_set_reveal_flap (self->flap, FALSE);
}

gboolean
pt_dataset_browser_get_record_shown (PtDatasetBrowser *self)
{
  g_return_val_if_fail (PT_IS_DATASET_BROWSER (self), FALSE);
  return adw_flap_get_reveal_flap (self->flap);
}

static void
record_activated_cb (GtkWidget        *source,
                     guint             index,
                     PtDatasetBrowser *self)
{
  pt_dataset_browser_show_record (self, index);
}

static void
close_requested_cb (PtRecordDetail   *detail,
                    PtDatasetBrowser *self)
{
  pt_dataset_browser_close_record (self);
}

static void
navigate_cb (PtRecordDetail   *detail,
             int               delta,
             PtDatasetBrowser *self)
{
  guint index = pt_record_detail_get_index (detail);
  guint pos = pt_index_model_find (self->model, index);
  guint next;

  if (index == G_MAXUINT || self->dataset == NULL)
    return;
  if (pos != G_MAXUINT)
    {
      if ((delta < 0 && pos == 0) || (delta > 0 && pos + 1 >= g_list_model_get_n_items (G_LIST_MODEL (self->model))))
        return;
      pos += delta;
      next = pt_index_model_get_index (self->model, pos);
      pt_record_grid_scroll_to (self->grid, pos);
    }
  else
    {
      if ((delta < 0 && index == 0) || (delta > 0 && index + 1 >= pt_dataset_get_n_records (self->dataset)))
        return;
      next = index + delta;
    }
  pt_dataset_browser_show_record (self, next);
}

void
pt_dataset_browser_show_view (PtDatasetBrowser *self,
                              const char       *name)
{
  g_return_if_fail (PT_IS_DATASET_BROWSER (self));
  adw_view_stack_set_visible_child_name (self->views, name);
}

PtRecordGrid *
pt_dataset_browser_get_grid (PtDatasetBrowser *self)
{
  g_return_val_if_fail (PT_IS_DATASET_BROWSER (self), NULL);
  return self->grid;
}

PtRecordDetail *
pt_dataset_browser_get_detail (PtDatasetBrowser *self)
{
  g_return_val_if_fail (PT_IS_DATASET_BROWSER (self), NULL);
  return self->detail;
}

PtStatsView *
pt_dataset_browser_get_stats_view (PtDatasetBrowser *self)
{
  g_return_val_if_fail (PT_IS_DATASET_BROWSER (self), NULL);
  return self->stats_view;
}

PtProblemList *
pt_dataset_browser_get_problem_list (PtDatasetBrowser *self)
{
  g_return_val_if_fail (PT_IS_DATASET_BROWSER (self), NULL);
  return self->problem_list;
}

GtkSearchEntry *
pt_dataset_browser_get_search_entry (PtDatasetBrowser *self)
{
  g_return_val_if_fail (PT_IS_DATASET_BROWSER (self), NULL);
  return self->search_entry;
}

PtThumbnailLoader *
pt_dataset_browser_get_thumbnail_loader (PtDatasetBrowser *self)
{
  g_return_val_if_fail (PT_IS_DATASET_BROWSER (self), NULL);
  return self->loader;
}

GtkWidget *
pt_dataset_browser_new (void)
{
  return g_object_new (PT_TYPE_DATASET_BROWSER, NULL);
}

static void
pt_dataset_browser_dispose (GObject *object)
{
  PtDatasetBrowser *self = PT_DATASET_BROWSER (object);

  g_clear_handle_id (&self->recount_id, g_source_remove);
  if (self->count_cancellable != NULL)
    g_cancellable_cancel (self->count_cancellable);
  g_clear_object (&self->count_cancellable);
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_DATASET_BROWSER);
  g_clear_pointer (&self->dataset, pt_dataset_unref);
  g_clear_pointer (&self->stats, pt_dataset_stats_free);
  g_clear_pointer (&self->tokenizer, pt_model_tokenizer_unref);
  g_clear_object (&self->model);
  g_clear_object (&self->loader);
  G_OBJECT_CLASS (pt_dataset_browser_parent_class)->dispose (object);
}

static void
pt_dataset_browser_finalize (GObject *object)
{
  PtDatasetBrowser *self = PT_DATASET_BROWSER (object);

  pt_record_filter_clear (&self->filter);
  g_free (self->has_problem);
  g_free (self->token_counts);
  g_free (self->tokenizer_hint);
  g_free (self->template_);
  g_ptr_array_unref (self->answer_items);
  g_ptr_array_unref (self->type_items);
  G_OBJECT_CLASS (pt_dataset_browser_parent_class)->finalize (object);
}

static void
pt_dataset_browser_class_init (PtDatasetBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_dataset_browser_dispose;
  object_class->finalize = pt_dataset_browser_finalize;

  signals[SPLIT_EDITED] =
    g_signal_new ("split-edited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_DOUBLE);

  gtk_widget_class_install_action (widget_class, "browser.clear-filters", NULL, clear_filters_action);
  gtk_widget_class_install_action (widget_class, "browser.find", NULL, find_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "browser.find", NULL);

  g_type_ensure (PT_TYPE_RECORD_GRID);
  g_type_ensure (PT_TYPE_RECORD_DETAIL);
  g_type_ensure (PT_TYPE_STATS_VIEW);
  g_type_ensure (PT_TYPE_PROBLEM_LIST);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-dataset-browser.ui");
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, title_label);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, flap);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, views);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, problems_page);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, answer_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, type_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, problems_toggle);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, count_label);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, records_stack);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, grid);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, stats_view);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, problem_list);
  gtk_widget_class_bind_template_child (widget_class, PtDatasetBrowser, detail);
}

static void
pt_dataset_browser_init (PtDatasetBrowser *self)
{
  g_autoptr(GtkExpression) expression = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->model = pt_index_model_new ();
  self->loader = pt_thumbnail_loader_new (THUMB_SIDE);
  self->answer_items = g_ptr_array_new_with_free_func (g_free);
  self->type_items = g_ptr_array_new_with_free_func (g_free);

  expression = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");
  gtk_drop_down_set_expression (self->answer_dropdown, expression);
  set_label_factory (self->answer_dropdown);
  set_label_factory (self->type_dropdown);

  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (filter_widgets_cb), self);
  g_signal_connect_swapped (self->answer_dropdown, "notify::selected", G_CALLBACK (filter_widgets_cb), self);
  g_signal_connect_swapped (self->type_dropdown, "notify::selected", G_CALLBACK (filter_widgets_cb), self);
  g_signal_connect_swapped (self->problems_toggle, "toggled", G_CALLBACK (filter_widgets_cb), self);
  g_signal_connect (self->grid, "record-activated", G_CALLBACK (record_activated_cb), self);
  g_signal_connect (self->problem_list, "record-activated", G_CALLBACK (record_activated_cb), self);
  g_signal_connect (self->detail, "close-requested", G_CALLBACK (close_requested_cb), self);
  g_signal_connect (self->detail, "navigate", G_CALLBACK (navigate_cb), self);
  g_signal_connect (self->stats_view, "split-edited", G_CALLBACK (split_edited_cb), self);
  g_signal_connect (self->stats_view, "answer-activated", G_CALLBACK (answer_activated_cb), self);
  g_signal_connect (self->stats_view, "question-type-activated", G_CALLBACK (type_activated_cb), self);
  fill_filters (self);
  apply_filter (self);
  update_token_stats (self);
}
