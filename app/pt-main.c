/* pt-main.c — the GUI entry point. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>        /* setlocale */

#include "pt-application.h"
#include "pt-threads.h"     /* pt_threads_init */

int
main (int argc, char **argv)
{
  g_autoptr(PtApplication) app = NULL;
  /* the build tree's po/ for an uninstalled run (dev.sh run, tests) */
  const char *localedir = g_getenv ("PALITUNE_LOCALEDIR");

  pt_threads_init (argc, argv);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = pt_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
