/* emu-attention.cpp — gpu/pt-cuda-attention.cu compiled as C++ against the emulator. */
#include "pt-cuda-attention.cu"
