/* test-device-choices.c — the Train page's device list offers "All N GPUs"
 * only when the computer has more than one GPU (fake device lists: no GPU is
 * needed to test it). */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "pt-backend.h"
#include "pt-comm.h"
#include "pt-device-choices.h"

static GPtrArray *
fake_devices (guint n_gpus)
{
  GPtrArray *devices = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_device_info_free);
  PtDeviceInfo *cpu = g_new0 (PtDeviceInfo, 1);

  cpu->id = g_strdup ("cpu");
  cpu->name = g_strdup ("CPU (8 threads)");
  cpu->total_memory = 64ull << 30;
  g_ptr_array_add (devices, cpu);
  for (guint i = 0; i < n_gpus; i++)
    {
      PtDeviceInfo *d = g_new0 (PtDeviceInfo, 1);
      d->id = g_strdup_printf ("cuda:%u", i);
      d->name = g_strdup ("NVIDIA H100 80GB HBM3");
      d->total_memory = (i == 1 ? 40ull : 80ull) << 30;
      d->peak_tflops = 989;
      g_ptr_array_add (devices, d);
    }
  return devices;
}

static void
test_no_gpu_or_one (void)
{
  for (guint n = 0; n <= 1; n++)
    {
      g_autoptr(GPtrArray) devices = fake_devices (n);
      g_autoptr(GPtrArray) choices = pt_device_choices_new (devices);

      g_assert_cmpuint (choices->len, ==, devices->len);
      g_assert_cmpuint (pt_device_choices_n_gpus (choices), ==, 0);
      for (guint i = 0; i < choices->len; i++)
        g_assert_cmpstr (((PtDeviceInfo *) choices->pdata[i])->id, !=, PT_DEVICE_ALL_GPUS);
    }
}

static void
test_several_gpus (void)
{
  g_autoptr(GPtrArray) devices = fake_devices (4);
  g_autoptr(GPtrArray) choices = pt_device_choices_new (devices);
  PtDeviceInfo *all;

  g_assert_cmpuint (choices->len, ==, 6);   /* cpu, cuda:0..3, all */
  for (guint i = 0; i < devices->len; i++)
    g_assert_cmpstr (((PtDeviceInfo *) choices->pdata[i])->id, ==,
                     ((PtDeviceInfo *) devices->pdata[i])->id);
  all = choices->pdata[5];
  g_assert_cmpstr (all->id, ==, PT_DEVICE_ALL_GPUS);
  g_assert_cmpstr (all->name, ==, "All 4 GPUs");
  g_assert_cmpuint (all->total_memory, ==, 40ull << 30);   /* the smallest: each holds a copy */
  g_assert_cmpfloat (all->peak_tflops, ==, 4 * 989);
  g_assert_cmpuint (pt_device_choices_n_gpus (choices), ==, 4);
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/device-choices/none-or-one", test_no_gpu_or_one);
  g_test_add_func ("/ui/device-choices/several", test_several_gpus);
  return g_test_run ();
}
