/* pt-application.h — the application object: app actions, windows, settings. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PT_TYPE_APPLICATION (pt_application_get_type ())

G_DECLARE_FINAL_TYPE (PtApplication, pt_application, PT, APPLICATION, AdwApplication)

PtApplication *pt_application_new (void);

G_END_DECLS
