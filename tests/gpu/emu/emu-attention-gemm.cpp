/* emu-attention-gemm.cpp — gpu/pt-cuda-attention-gemm.cu compiled as C++ against the emulator. */
#include "pt-cuda-attention-gemm.cu"
