/* emu-rope.cpp — gpu/pt-cuda-rope.cu compiled as C++ against the emulator. */
#include "pt-cuda-rope.cu"
