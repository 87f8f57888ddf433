/* emu-norm.cpp — gpu/pt-cuda-norm.cu compiled as C++ against the emulator. */
#include "pt-cuda-norm.cu"
