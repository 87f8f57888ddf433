/* emu-gemm.cpp — gpu/pt-cuda-gemm.cu compiled as C++ against the emulator. */
#include "pt-cuda-gemm.cu"
