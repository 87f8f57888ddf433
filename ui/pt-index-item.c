/* pt-index-item.c — one row of a lazily built list: an index and nothing else. */
#include "config.h"

#include "pt-index-item.h"

struct _PtIndexItem
{
  GObject parent_instance;
  guint   index;
};

G_DEFINE_FINAL_TYPE (PtIndexItem, pt_index_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INDEX,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

PtIndexItem *
pt_index_item_new (guint index)
{
  return g_object_new (PT_TYPE_INDEX_ITEM, "index", index, NULL);
}

guint
pt_index_item_get_index (PtIndexItem *self)
{
  g_return_val_if_fail (PT_IS_INDEX_ITEM (self), G_MAXUINT);
  return self->index;
}

static void
pt_index_item_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  PtIndexItem *self = PT_INDEX_ITEM (object);

  switch (prop_id)
    {
    case PROP_INDEX:
      g_value_set_uint (value, self->index);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_index_item_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  PtIndexItem *self = PT_INDEX_ITEM (object);

  switch (prop_id)
    {
    case PROP_INDEX:
      self->index = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_index_item_class_init (PtIndexItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pt_index_item_get_property;
  object_class->set_property = pt_index_item_set_property;

  properties[PROP_INDEX] =
    g_param_spec_uint ("index", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pt_index_item_init (PtIndexItem *self)
{
}
