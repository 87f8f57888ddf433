/* emu-elementwise.cpp — gpu/pt-cuda-elementwise.cu compiled as C++ against the emulator. */
#include "pt-cuda-elementwise.cu"
