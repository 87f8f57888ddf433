/* pt-error.h — the engine's GError domain.
 *
 * Every engine function that can fail on user input takes a GError ** and
 * returns FALSE / NULL / -1; the engine never exits and never aborts on bad
 * input.
 */
#pragma once

#include <glib.h>   /* GQuark, GError */

G_BEGIN_DECLS

#define PT_ERROR (pt_error_quark ())

typedef enum {
  PT_ERROR_FAILED,          /* anything else */
  PT_ERROR_INVALID_INPUT,   /* a file or setting the user gave is malformed */
  PT_ERROR_UNSUPPORTED,     /* well-formed, but not something PaliTune handles */
  PT_ERROR_IO,              /* reading or writing a file failed */
  PT_ERROR_NO_MEMORY,       /* an allocation (host or device) failed */
  PT_ERROR_CANCELLED,       /* the user asked to stop */
  PT_ERROR_NUMERIC,         /* NaN / inf in loss or gradients */
  PT_ERROR_DEVICE,          /* the compute device reported an error */
} PtError;

GQuark pt_error_quark (void);

G_END_DECLS
