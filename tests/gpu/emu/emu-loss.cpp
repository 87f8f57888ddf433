/* emu-loss.cpp — gpu/pt-cuda-loss.cu compiled as C++ against the emulator. */
#include "pt-cuda-loss.cu"
