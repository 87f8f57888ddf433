/* pt-test-model.h — a tiny random PaliGemma and a tiny shapes dataset in a
 * temporary folder, for trainer / export / CLI tests. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *root;        /* temporary folder holding everything */
  char *model_dir;   /* config.json, model.safetensors, tokenizer.model */
  char *data_dir;    /* images/, train.jsonl, val.jsonl */
  char *train;       /* data_dir/train.jsonl */
  char *val;         /* data_dir/val.jsonl */
  char *runs;        /* root/runs */
} PtTestWorld;

/* n_train / n_val demo images (color and shape questions, 32 px). */
PtTestWorld *pt_test_world_new  (guint n_train, guint n_val);
void         pt_test_world_free (PtTestWorld *world);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtTestWorld, pt_test_world_free)

G_END_DECLS
