/* fuzz-replay.c — runs a libFuzzer target over committed inputs.
 *
 * Each fuzz-NAME.c defines LLVMFuzzerTestOneInput. Linked with this file it
 * becomes a plain program that feeds it every file under the directories (or
 * files) given on the command line, so CI replays the corpus — under ASan
 * and UBSan in the sanitizer build. With clang, the same target links
 * against libFuzzer for real fuzzing (tools/fuzz.sh).
 */
#include <glib.h>
#include <stdint.h>    /* uint8_t */
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
replay_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "cannot read %s: %s\n", path, error->message);
      return 1;
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return 0;
}

static int
replay_path (const char *path, int *count)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;
  int failures = 0;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      (*count)++;
      return replay_file (path);
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      failures += replay_path (child, count);
    }
  return failures;
}

int
main (int argc, char **argv)
{
  int count = 0, failures = 0;

  for (int i = 1; i < argc; i++)
    failures += replay_path (argv[i], &count);
  /* and the degenerate inputs every parser must survive */
  LLVMFuzzerTestOneInput ((const uint8_t *) "", 0);
  LLVMFuzzerTestOneInput ((const uint8_t *) "\0", 1);
  printf ("replayed %d inputs\n", count);
  if (count == 0)
    {
      fprintf (stderr, "no inputs found\n");
      return 1;
    }
  return failures ? 1 : 0;
}
