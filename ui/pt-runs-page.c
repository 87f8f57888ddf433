/* pt-runs-page.c — the Runs page. */
#include "config.h"

#include "pt-runs-page.h"

struct _PtRunsPage
{
  AdwBin parent_instance;
};

G_DEFINE_FINAL_TYPE (PtRunsPage, pt_runs_page, ADW_TYPE_BIN)

GtkWidget *
pt_runs_page_new (void)
{
  return g_object_new (PT_TYPE_RUNS_PAGE, NULL);
}

static void
pt_runs_page_dispose (GObject *object)
{
  /* the bin's child may be a template child: unparent it before the template lets go of it */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_TYPE_RUNS_PAGE);
  G_OBJECT_CLASS (pt_runs_page_parent_class)->dispose (object);
}

static void
pt_runs_page_class_init (PtRunsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_runs_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-runs-page.ui");
}

static void
pt_runs_page_init (PtRunsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
