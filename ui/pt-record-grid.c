/* pt-record-grid.c — the dataset's records as a grid of thumbnails. */
#include "config.h"

#include "pt-record-cell.h"
#include "pt-record-grid.h"

struct _PtRecordGrid
{
  AdwBin             parent_instance;

  PtDataset         *dataset;
  PtIndexModel      *model;
  const guint8      *has_problem;
  PtThumbnailLoader *loader;

  GtkScrolledWindow *scrolled;
  GtkGridView       *view;
  GtkNoSelection    *selection;
};

G_DEFINE_FINAL_TYPE (PtRecordGrid, pt_record_grid, ADW_TYPE_BIN)

#define CELL_MIN_WIDTH 184   /* a cell (160) with the grid's padding around it */
#define MAX_COLUMNS    24

enum {
  RECORD_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          PtRecordGrid             *self)
{
  gtk_list_item_set_child (item, pt_record_cell_new ());
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         PtRecordGrid             *self)
{
  PtIndexItem *index_item = gtk_list_item_get_item (item);
  guint index = pt_index_item_get_index (index_item);

  if (self->dataset == NULL)
    return;
  pt_record_cell_bind (PT_RECORD_CELL (gtk_list_item_get_child (item)), self->dataset, index,
                       self->has_problem != NULL && self->has_problem[index], self->loader);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           PtRecordGrid             *self)
{
  pt_record_cell_unbind (PT_RECORD_CELL (gtk_list_item_get_child (item)));
}

static void
activate_cb (GtkGridView  *view,
             guint         position,
             PtRecordGrid *self)
{
  guint index = self->model != NULL ? pt_index_model_get_index (self->model, position) : G_MAXUINT;

  if (index != G_MAXUINT)
    g_signal_emit (self, signals[RECORD_ACTIVATED], 0, index);
}

GtkWidget *
pt_record_grid_new (void)
{
  return g_object_new (PT_TYPE_RECORD_GRID, NULL);
}

void
pt_record_grid_set_dataset (PtRecordGrid      *self,
                            PtDataset         *dataset,
                            PtIndexModel      *model,
                            const guint8      *has_problem,
                            PtThumbnailLoader *loader)
{
  g_return_if_fail (PT_IS_RECORD_GRID (self));

  /* unbind every cell first: they hold the old dataset */
  gtk_no_selection_set_model (self->selection, NULL);
  g_clear_pointer (&self->dataset, pt_dataset_unref);
  self->dataset = dataset != NULL ? pt_dataset_ref (dataset) : NULL;
  g_set_object (&self->model, model);
  g_set_object (&self->loader, loader);
  self->has_problem = has_problem;
  gtk_no_selection_set_model (self->selection, G_LIST_MODEL (model));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scrolled), 0);
}

GtkGridView *
pt_record_grid_get_view (PtRecordGrid *self)
{
  g_return_val_if_fail (PT_IS_RECORD_GRID (self), NULL);
  return self->view;
}

GtkScrolledWindow *
pt_record_grid_get_scrolled (PtRecordGrid *self)
{
  g_return_val_if_fail (PT_IS_RECORD_GRID (self), NULL);
  return self->scrolled;
}

void
pt_record_grid_scroll_to (PtRecordGrid *self,
                          guint         position)
{
  g_return_if_fail (PT_IS_RECORD_GRID (self));

  /* GtkGridView has no scroll_to before GTK 4.12: the list.scroll-to-item action does it */
  gtk_widget_activate_action (GTK_WIDGET (self->view), "list.scroll-to-item", "u", position);
}

void
pt_record_grid_count_cells (PtRecordGrid *self,
                            guint        *bound,
                            guint        *with_image,
                            guint        *missing)
{
  guint b = 0, im = 0, m = 0;

  g_return_if_fail (PT_IS_RECORD_GRID (self));

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->view)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);
      PtRecordCellState state;

      if (!PT_IS_RECORD_CELL (cell) || !gtk_widget_get_child_visible (child))
        continue;
      state = pt_record_cell_get_state (PT_RECORD_CELL (cell));
      if (state == PT_RECORD_CELL_EMPTY)
        continue;
      b++;
      im += state == PT_RECORD_CELL_IMAGE;
      m += state == PT_RECORD_CELL_MISSING;
    }
  if (bound != NULL)
    *bound = b;
  if (with_image != NULL)
    *with_image = im;
  if (missing != NULL)
    *missing = m;
}

/* GtkGridView (4.8) keeps max-columns × 30 rows of cells around its anchor,
 * bound or not: with a generous max-columns a jump binds hundreds of cells
 * nobody sees. So max-columns follows what fits. */
static void
size_allocate (GtkWidget *widget,
               int        width,
               int        height,
               int        baseline)
{
  PtRecordGrid *self = PT_RECORD_GRID (widget);
  guint columns = (guint) CLAMP (width / CELL_MIN_WIDTH, 1, MAX_COLUMNS);

  if (gtk_grid_view_get_max_columns (self->view) != columns)
    gtk_grid_view_set_max_columns (self->view, columns);
  GTK_WIDGET_CLASS (pt_record_grid_parent_class)->size_allocate (widget, width, height, baseline);
}

static void
pt_record_grid_dispose (GObject *object)
{
  PtRecordGrid *self = PT_RECORD_GRID (object);

  if (self->selection != NULL)
    gtk_no_selection_set_model (self->selection, NULL);
  adw_bin_set_child (ADW_BIN (self), NULL);
  self->selection = NULL;
  g_clear_pointer (&self->dataset, pt_dataset_unref);
  g_clear_object (&self->model);
  g_clear_object (&self->loader);
  G_OBJECT_CLASS (pt_record_grid_parent_class)->dispose (object);
}

static void
pt_record_grid_class_init (PtRecordGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pt_record_grid_dispose;
  GTK_WIDGET_CLASS (klass)->size_allocate = size_allocate;

  signals[RECORD_ACTIVATED] =
    g_signal_new ("record-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
pt_record_grid_init (PtRecordGrid *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);

  self->selection = gtk_no_selection_new (NULL);
  self->view = GTK_GRID_VIEW (gtk_grid_view_new (GTK_SELECTION_MODEL (self->selection), factory));
  gtk_grid_view_set_max_columns (self->view, 7);
  gtk_grid_view_set_single_click_activate (self->view, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->view), "record-grid");
  g_signal_connect (self->view, "activate", G_CALLBACK (activate_cb), self);

  self->scrolled = GTK_SCROLLED_WINDOW (gtk_scrolled_window_new ());
  gtk_scrolled_window_set_policy (self->scrolled, GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (self->scrolled, GTK_WIDGET (self->view));
  gtk_widget_set_vexpand (GTK_WIDGET (self->scrolled), TRUE);
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->scrolled));
}
