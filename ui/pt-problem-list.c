/* pt-problem-list.c — what is wrong in a dataset, one row per problem. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-index-model.h"
#include "pt-problem-list.h"

struct _PtProblemList
{
  AdwBin        parent_instance;

  PtDataset    *dataset;
  PtIndexModel *model;
  GtkStack     *stack;
  GtkListView  *view;
};

G_DEFINE_FINAL_TYPE (PtProblemList, pt_problem_list, ADW_TYPE_BIN)

enum {
  RECORD_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* A short, translatable name for each kind. */
static const char *
kind_label (PtProblemKind kind)
{
  switch (kind)
    {
    case PT_PROBLEM_SYNTAX: return _("Syntax error");
    case PT_PROBLEM_ENCODING: return _("Not UTF-8");
    case PT_PROBLEM_LINE_TOO_LONG: return _("Line too long");
    case PT_PROBLEM_MISSING_FIELD: return _("Missing field");
    case PT_PROBLEM_WRONG_TYPE: return _("Wrong type");
    case PT_PROBLEM_EMPTY_QUESTION: return _("Empty question");
    case PT_PROBLEM_EMPTY_ANSWER: return _("Empty answer");
    case PT_PROBLEM_DUPLICATE: return _("Duplicate");
    case PT_PROBLEM_IMAGE_MISSING: return _("Image missing");
    case PT_PROBLEM_IMAGE_UNREADABLE: return _("Image unreadable");
    case PT_PROBLEM_IMAGE_UNDECODABLE: return _("Image not decodable");
    case PT_PROBLEM_TOKENS_OVER_LIMIT: return _("Too many tokens");
    case PT_PROBLEM_LOAD_FAILED: return _("Failed in training");
    case PT_PROBLEM_TEXT_TOO_LONG: return _("Will be truncated");
    case PT_PROBLEM_NOTE: return _("Note");
    case PT_PROBLEM_NONE:
    case PT_PROBLEM_N_KINDS:
    default:
      return "";
    }
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          PtProblemList            *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *where = gtk_label_new (NULL);
  GtkWidget *reason = gtk_label_new (NULL);

  gtk_widget_add_css_class (row, "problem-row");
  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  gtk_label_set_xalign (GTK_LABEL (where), 0);
  gtk_widget_add_css_class (where, "caption");
  gtk_widget_add_css_class (where, "dim-label");
  gtk_label_set_ellipsize (GTK_LABEL (where), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (reason), 0);
  gtk_label_set_wrap (GTK_LABEL (reason), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (reason), PANGO_WRAP_WORD_CHAR);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (text), where);
  gtk_box_append (GTK_BOX (text), reason);
  gtk_box_append (GTK_BOX (row), icon);
  gtk_box_append (GTK_BOX (row), text);
  gtk_list_item_set_child (item, row);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         PtProblemList            *self)
{
  GtkWidget *row = gtk_list_item_get_child (item);
  GtkWidget *icon = gtk_widget_get_first_child (row);
  GtkWidget *text = gtk_widget_get_next_sibling (icon);
  GtkWidget *where = gtk_widget_get_first_child (text);
  GtkWidget *reason = gtk_widget_get_next_sibling (where);
  guint index = pt_index_item_get_index (gtk_list_item_get_item (item));
  g_autofree char *name = NULL;
  g_autofree char *location = NULL;
  gboolean fatal;
  PtProblem p;

  if (self->dataset == NULL || !pt_dataset_get_problem (self->dataset, index, &p))
    return;
  fatal = pt_problem_kind_is_fatal (p.kind);
  name = g_path_get_basename (p.file);
  if (p.line > 0)
    /* Translators: file name, line number and the kind of problem */
    location = g_strdup_printf (_("%s, line %u · %s"), name, p.line, kind_label (p.kind));
  else
    location = g_strdup_printf ("%s · %s", name, kind_label (p.kind));
  gtk_label_set_text (GTK_LABEL (where), location);
  gtk_widget_set_tooltip_text (where, p.file);
  gtk_label_set_text (GTK_LABEL (reason), p.reason);
  gtk_image_set_from_icon_name (GTK_IMAGE (icon), fatal ? "dialog-error-symbolic" : "dialog-warning-symbolic");
  gtk_widget_remove_css_class (icon, fatal ? "warning" : "error");
  gtk_widget_add_css_class (icon, fatal ? "error" : "warning");
  gtk_list_item_set_activatable (item, p.record >= 0);
}

void
pt_problem_list_activate_row (PtProblemList *self,
                              guint          position)
{
  guint index;
  PtProblem p;

  g_return_if_fail (PT_IS_PROBLEM_LIST (self));

  index = pt_index_model_get_index (self->model, position);
  if (self->dataset != NULL && index != G_MAXUINT && pt_dataset_get_problem (self->dataset, index, &p)
      && p.record >= 0)
    g_signal_emit (self, signals[RECORD_ACTIVATED], 0, (guint) p.record);
}

static void
activate_cb (GtkListView   *view,
             guint          position,
             PtProblemList *self)
{
  pt_problem_list_activate_row (self, position);
}

GtkWidget *
pt_problem_list_new (void)
{
  return g_object_new (PT_TYPE_PROBLEM_LIST, NULL);
}

void
pt_problem_list_set_dataset (PtProblemList *self,
                             PtDataset     *dataset)
{
  guint n;

  g_return_if_fail (PT_IS_PROBLEM_LIST (self));

  pt_index_model_set_range (self->model, 0);
  g_clear_pointer (&self->dataset, pt_dataset_unref);
  self->dataset = dataset != NULL ? pt_dataset_ref (dataset) : NULL;
  n = dataset != NULL ? pt_dataset_get_n_problems (dataset) : 0;
  pt_index_model_set_range (self->model, n);
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
}

guint
pt_problem_list_get_n_items (PtProblemList *self)
{
  g_return_val_if_fail (PT_IS_PROBLEM_LIST (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->model));
}

GtkListView *
pt_problem_list_get_view (PtProblemList *self)
{
  g_return_val_if_fail (PT_IS_PROBLEM_LIST (self), NULL);
  return self->view;
}

static void
pt_problem_list_dispose (GObject *object)
{
  PtProblemList *self = PT_PROBLEM_LIST (object);

  adw_bin_set_child (ADW_BIN (self), NULL);
  g_clear_object (&self->model);
  g_clear_pointer (&self->dataset, pt_dataset_unref);
  G_OBJECT_CLASS (pt_problem_list_parent_class)->dispose (object);
}

static void
pt_problem_list_class_init (PtProblemListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pt_problem_list_dispose;

  signals[RECORD_ACTIVATED] =
    g_signal_new ("record-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
pt_problem_list_init (PtProblemList *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *empty = adw_status_page_new ();

  self->model = pt_index_model_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  self->view = GTK_LIST_VIEW (gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->model)))),
                                                 factory));
  gtk_list_view_set_single_click_activate (self->view, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->view), "problem-list");
  g_signal_connect (self->view, "activate", G_CALLBACK (activate_cb), self);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->view));

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "emblem-ok-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No Problems"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty), _("Every record can be trained on"));

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_add_named (self->stack, scrolled, "list");
  gtk_stack_add_named (self->stack, empty, "empty");
  gtk_stack_set_visible_child_name (self->stack, "empty");
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->stack));
}
