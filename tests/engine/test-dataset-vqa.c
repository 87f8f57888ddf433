/* test-dataset-vqa.c — the official VQAv2 layout: files, folders, COCO names, bad files. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>   /* g_remove, g_rmdir */

#include "dataset-test-util.h"
#include "pt-dataset-scan.h"
#include "pt-error.h"

/* The fixture folder, and each of its two files as PATH: the same records. */
static void
test_fixture_folder (void)
{
  g_autofree char *folder = fixture ("vqa");
  g_autofree char *qfile = fixture ("vqa/v2_OpenEnded_mscoco_val2014_questions.json");
  g_autofree char *afile = fixture ("vqa/v2_mscoco_val2014_annotations.json");
  const char *paths[] = { folder, qfile, afile };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtDataset) ds = pt_dataset_load (paths[i], PT_DATASET_FORMAT_AUTO, NULL, &error);
      PtRecord r;

      g_assert_no_error (error);
      g_assert_cmpint (pt_dataset_get_format (ds), ==, PT_DATASET_FORMAT_VQAV2);
      g_assert_true (pt_dataset_scan (ds, NULL, NULL, &error));
      g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 5);
      g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 3);

      pt_dataset_get_record (ds, 0, &r);
      g_assert_cmpstr (r.question, ==, "What is on the plate?");
      g_assert_cmpstr (r.answer, ==, "pizza");
      g_assert_cmpint (r.question_id, ==, 420);
      g_assert_cmpstr (r.question_type, ==, "what is on the");
      g_assert_cmpstr (r.answer_type, ==, "other");
      g_assert_cmpuint (r.n_answers, ==, 10);
      g_assert_cmpstr (pt_dataset_get_answer (ds, 0, 9), ==, "food");
      g_assert_true (g_str_has_suffix (r.image, "/vqa/val2014/COCO_val2014_000000000042.jpg"));
      g_assert_cmpint (r.width, ==, 48);
      g_assert_cmpint (r.height, ==, 32);

      pt_dataset_get_record (ds, 3, &r);   /* image 99 is not in the folder */
      g_assert_cmpint (r.problem, ==, PT_PROBLEM_IMAGE_MISSING);
      pt_dataset_get_record (ds, 4, &r);   /* question 731 has no annotation */
      g_assert_cmpint (r.problem, ==, PT_PROBLEM_MISSING_FIELD);
      {
        g_autofree char *reason = pt_dataset_get_record_reason (ds, 4);
        g_assert_nonnull (strstr (reason, "731"));
      }
      /* the stray annotation is a warning about the annotations file */
      {
        PtProblem p = { 0 };
        gboolean found = FALSE;
        for (guint k = 0; k < pt_dataset_get_n_problems (ds); k++)
          if (pt_dataset_get_problem (ds, k, &p) && p.kind == PT_PROBLEM_NOTE)
            found = TRUE;
        g_assert_true (found);
      }
    }
}

#define QUESTIONS_JSON \
  "{\"info\": {}, \"data_subtype\": \"%s\",\n" \
  " \"questions\": [\n" \
  "  {\"image_id\": 1, \"question\": \"q one\", \"question_id\": 10},\n" \
  "  {\"image_id\": 2, \"question\": \"q two\", \"question_id\": 20}\n" \
  " ]}\n"
static const char *annotations_json =
  "{\"annotations\": [\n"
  "  {\"question_id\": 10, \"image_id\": 1, \"multiple_choice_answer\": \"a\", \"answers\": [{\"answer\": \"a\"}]},\n"
  "  {\"question_id\": 20, \"image_id\": 2, \"multiple_choice_answer\": \"b\", \"answers\": [{\"answer\": \"b\"}]}\n"
  "]}\n";

static void
touch (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, "x", 1, NULL));
}

/* Which COCO file names a folder uses is read from the folder. */
static void
test_coco_names (void)
{
  static const struct { const char *subtype; const char *files[3]; const char *want; } cases[] = {
    /* the data_subtype's prefix, among others */
    { "train2014", { "COCO_val2014_000000000001.jpg", "COCO_train2014_000000000001.jpg", NULL },
      "COCO_train2014_000000000001.jpg" },
    /* test2015 names when the subtype says something else (test-dev questions) */
    { "test-dev2015", { "COCO_test2015_000000000001.jpg", "COCO_test2015_000000000002.jpg", NULL },
      "COCO_test2015_000000000001.jpg" },
    /* COCO 2017 names: no prefix */
    { "val2017", { "000000000001.jpg", "000000000002.jpg", NULL }, "000000000001.jpg" },
    /* PNG conversions */
    { "val2014", { "COCO_val2014_000000000001.png", NULL, NULL }, "COCO_val2014_000000000001.png" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = g_dir_make_tmp ("pt-vqa-XXXXXX", NULL);
      g_autofree char *q = g_strdup_printf (QUESTIONS_JSON, cases[i].subtype);
      g_autoptr(GError) error = NULL;
      g_autoptr(PtDataset) ds = NULL;
      g_autofree char *want = g_build_filename (dir, cases[i].want, NULL);
      PtRecord r;

      for (guint f = 0; f < 3 && cases[i].files[f]; f++)
        touch (dir, cases[i].files[f]);
      ds = pt_dataset_load_vqa_from_data (q, strlen (q), annotations_json, strlen (annotations_json),
                                          dir, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 2);
      pt_dataset_get_record (ds, 0, &r);
      g_assert_cmpstr (r.image, ==, want);
      g_assert_cmpstr (r.answer, ==, "a");
      for (guint f = 0; f < 3 && cases[i].files[f]; f++)
        {
          g_autofree char *path = g_build_filename (dir, cases[i].files[f], NULL);
          g_remove (path);
        }
      g_rmdir (dir);
    }
}

static void
test_bad_files (void)
{
  /* a questions file cut short: what came before the cut is kept, the cut is a problem */
  const char *truncated =
    "{\"data_subtype\": \"val2014\", \"questions\": [\n"
    "  {\"image_id\": 1, \"question\": \"q one\", \"question_id\": 10},\n"
    "  {\"image_id\": 2, \"question\": \"q tw";
  /* elements of the wrong shape */
  const char *odd =
    "{\"questions\": [\n"
    "  {\"image_id\": \"1\", \"question\": \"q\", \"question_id\": 10},\n"   /* 2 image_id a string */
    "  17,\n"                                                                /* 3 not an object */
    "  {\"image_id\": 2, \"question_id\": 20},\n"                            /* 4 no question */
    "  {\"image_id\": 3, \"question\": \"q\", \"question_id\": 20},\n"       /* 5 id twice */
    "  {\"image_id\": 4, \"question\": \"q4\", \"question_id\": 40, \"extra\": [1, {\"a\": null}]}\n"
    "]}\n";
  const char *annotations =
    "{\"annotations\": [{\"question_id\": 10, \"image_id\": 9, \"multiple_choice_answer\": \"a\"},"
    " {\"question_id\": 40, \"image_id\": 4, \"multiple_choice_answer\": \"z\"}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDataset) ds = NULL;

  ds = pt_dataset_load_vqa_from_data (truncated, strlen (truncated), NULL, 0, "/nowhere", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 1);
  g_assert_cmpint (problem_at (ds, 3), ==, PT_PROBLEM_SYNTAX);
  g_assert_nonnull (strstr (reason_at (ds, 3), "rest of the file"));
  /* no annotations: no answers */
  g_assert_cmpint (problem_at (ds, 2), ==, PT_PROBLEM_MISSING_FIELD);
  g_clear_pointer (&ds, pt_dataset_unref);

  ds = pt_dataset_load_vqa_from_data (odd, strlen (odd), annotations, strlen (annotations), "/nowhere", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 5);
  g_assert_cmpint (problem_at (ds, 2), ==, PT_PROBLEM_WRONG_TYPE);
  g_assert_cmpint (problem_at (ds, 3), ==, PT_PROBLEM_WRONG_TYPE);
  g_assert_cmpint (problem_at (ds, 4), ==, PT_PROBLEM_MISSING_FIELD);
  g_assert_cmpint (problem_at (ds, 5), ==, PT_PROBLEM_DUPLICATE);
  g_assert_cmpint (problem_at (ds, 6), ==, PT_PROBLEM_NONE);
  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 1);
  g_clear_pointer (&ds, pt_dataset_unref);

  {
    /* annotation and question disagree on the image */
    const char *q = "{\"questions\": [{\"image_id\": 1, \"question\": \"q\", \"question_id\": 10}]}";
    ds = pt_dataset_load_vqa_from_data (q, strlen (q), annotations, strlen (annotations), "/nowhere", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 0);
    g_assert_nonnull (strstr (reason_at (ds, 1), "image_id 9"));
    g_clear_pointer (&ds, pt_dataset_unref);
  }

  {
    const char *not_vqa[] = { "", "[1, 2]", "{\"something\": []}", "{\"questions\": {}}", "{\"questions\" 1}",
                              "\xEF\xBB\xBF{\"info\": " };
    for (guint i = 0; i < G_N_ELEMENTS (not_vqa); i++)
      {
        ds = pt_dataset_load_vqa_from_data (not_vqa[i], strlen (not_vqa[i]), NULL, 0, NULL, &error);
        g_assert_null (ds);
        g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
        g_clear_error (&error);
      }
  }
}

static void
test_folder_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pt-vqa-XXXXXX", NULL);
  g_autofree char *q1 = g_build_filename (dir, "v2_OpenEnded_mscoco_train2014_questions.json", NULL);
  g_autofree char *q2 = g_build_filename (dir, "v2_OpenEnded_mscoco_val2014_questions.json", NULL);
  g_autofree char *a2 = g_build_filename (dir, "v2_mscoco_val2014_annotations.json", NULL);
  g_autofree char *text = g_strdup_printf (QUESTIONS_JSON, "val2014");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDataset) ds = NULL;

  g_assert_true (g_file_set_contents (q1, text, -1, NULL));
  g_assert_true (g_file_set_contents (q2, text, -1, NULL));
  g_assert_true (g_file_set_contents (a2, annotations_json, -1, NULL));
  /* two questions files: the folder is ambiguous */
  ds = pt_dataset_load (dir, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_assert_null (ds);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "several questions files"));
  g_clear_error (&error);
  /* the val questions file pairs with the val annotations */
  ds = pt_dataset_load (q2, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 2);
  {
    PtRecord r;
    pt_dataset_get_record (ds, 1, &r);
    g_assert_cmpstr (r.answer, ==, "b");
  }
  /* no image folder anywhere: a note says where it looked */
  g_assert_nonnull (pt_dataset_get_notes (ds)[0]);
  g_assert_nonnull (strstr (pt_dataset_get_notes (ds)[0], "No COCO image folder"));
  g_clear_pointer (&ds, pt_dataset_unref);
  /* the train questions have no annotations beside them */
  ds = pt_dataset_load (q1, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 0);
  g_assert_nonnull (strstr (pt_dataset_get_notes (ds)[0], "No annotations file"));
  g_remove (q1);
  g_remove (q2);
  g_remove (a2);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/dataset/vqa/fixture-folder", test_fixture_folder);
  g_test_add_func ("/engine/dataset/vqa/coco-names", test_coco_names);
  g_test_add_func ("/engine/dataset/vqa/bad-files", test_bad_files);
  g_test_add_func ("/engine/dataset/vqa/folder-errors", test_folder_errors);
  return g_test_run ();
}
