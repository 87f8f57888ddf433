/* test-nccl.c — the NCCL reducer (gpu/pt-nccl.cu) as far as a machine
 * without GPUs can take it: libnccl.so.2 opens and has every function the
 * reducer calls, and a CPU rank gets no device reducer (its gradients go
 * through the host communicator). Summing between GPUs needs GPUs: not here. */
#include "config.h"

#include "pt-backend.h"
#include "pt-comm.h"
#include "pt-nccl.h"

static void
test_load (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_nccl_load (&error));
  g_assert_no_error (error);
}

static void
test_cpu_rank (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = pt_cpu_backend_new (PT_DTYPE_F32, 1, &error);
  g_autoptr(GPtrArray) comms = pt_comm_new_threads (2);
  PtComm *comm = comms->pdata[0];

  g_assert_no_error (error);
  pt_nccl_register ();
  g_assert_true (pt_comm_attach_backend (comm, be, &error));
  g_assert_no_error (error);
  g_assert_null (comm->device_ops);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gpu/nccl/load", test_load);
  g_test_add_func ("/gpu/nccl/cpu-rank", test_cpu_rank);
  return g_test_run ();
}
