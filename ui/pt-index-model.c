/* pt-index-model.c — a GListModel of indices whose items exist only while used. */
#include "config.h"

#include "pt-index-model.h"

struct _PtIndexModel
{
  GObject     parent_instance;

  guint      *indices;   /* NULL: the identity range */
  guint       n;
  GHashTable *alive;     /* index → PtIndexItem (weak) */
};

static void pt_index_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PtIndexModel, pt_index_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, pt_index_model_list_model_init))

static GType
get_item_type (GListModel *list)
{
  return PT_TYPE_INDEX_ITEM;
}

static guint
get_n_items (GListModel *list)
{
  return PT_INDEX_MODEL (list)->n;
}

static void
item_gone_cb (gpointer  data,
              GObject  *where_the_object_was)
{
  PtIndexModel *self = data;
  GHashTableIter iter;
  gpointer value;

  /* the item's index cannot be read any more: find it by address */
  g_hash_table_iter_init (&iter, self->alive);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == (gpointer) where_the_object_was)
      {
        g_hash_table_iter_remove (&iter);
        break;
      }
}

static gpointer
get_item (GListModel *list,
          guint       position)
{
  PtIndexModel *self = PT_INDEX_MODEL (list);
  PtIndexItem *item;
  guint index;

  if (position >= self->n)
    return NULL;
  index = self->indices != NULL ? self->indices[position] : position;
  item = g_hash_table_lookup (self->alive, GUINT_TO_POINTER (index));
  if (item != NULL)
    return g_object_ref (item);
  item = pt_index_item_new (index);
  g_hash_table_insert (self->alive, GUINT_TO_POINTER (index), item);
  g_object_weak_ref (G_OBJECT (item), item_gone_cb, self);
  return item;
}

static void
pt_index_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

PtIndexModel *
pt_index_model_new (void)
{
  return g_object_new (PT_TYPE_INDEX_MODEL, NULL);
}

void
pt_index_model_set_indices (PtIndexModel *self,
                            guint        *indices,
                            guint         n)
{
  guint removed;

  g_return_if_fail (PT_IS_INDEX_MODEL (self));
  g_return_if_fail (indices != NULL || n == 0);

  removed = self->n;
  g_free (self->indices);
  self->indices = indices;
  self->n = n;
  if (self->indices == NULL)
    self->indices = g_new (guint, 1);   /* not the identity range: empty */
  if (removed > 0 || n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, n);
}

void
pt_index_model_set_range (PtIndexModel *self,
                          guint         n)
{
  guint removed;

  g_return_if_fail (PT_IS_INDEX_MODEL (self));

  removed = self->n;
  g_clear_pointer (&self->indices, g_free);
  self->n = n;
  if (removed > 0 || n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, n);
}

guint
pt_index_model_get_index (PtIndexModel *self,
                          guint         position)
{
  g_return_val_if_fail (PT_IS_INDEX_MODEL (self), G_MAXUINT);

  if (position >= self->n)
    return G_MAXUINT;
  return self->indices != NULL ? self->indices[position] : position;
}

guint
pt_index_model_find (PtIndexModel *self,
                     guint         index)
{
  guint lo = 0, hi;

  g_return_val_if_fail (PT_IS_INDEX_MODEL (self), G_MAXUINT);

  if (self->indices == NULL)
    return index < self->n ? index : G_MAXUINT;
  /* indices ascend when they come from a filter; fall back to a scan otherwise */
  hi = self->n;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (self->indices[mid] < index)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo < self->n && self->indices[lo] == index)
    return lo;
  for (guint i = 0; i < self->n; i++)
    if (self->indices[i] == index)
      return i;
  return G_MAXUINT;
}

guint
pt_index_model_get_n_alive (PtIndexModel *self)
{
  g_return_val_if_fail (PT_IS_INDEX_MODEL (self), 0);
  return g_hash_table_size (self->alive);
}

static void
pt_index_model_finalize (GObject *object)
{
  PtIndexModel *self = PT_INDEX_MODEL (object);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->alive);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_object_weak_unref (value, item_gone_cb, self);
  g_hash_table_unref (self->alive);
  g_free (self->indices);
  G_OBJECT_CLASS (pt_index_model_parent_class)->finalize (object);
}

static void
pt_index_model_class_init (PtIndexModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_index_model_finalize;
}

static void
pt_index_model_init (PtIndexModel *self)
{
  self->alive = g_hash_table_new (NULL, NULL);
}
