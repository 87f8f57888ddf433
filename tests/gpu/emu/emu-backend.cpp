/* emu-backend.cpp — gpu/pt-cuda-backend.cu compiled as C++ against the emulator. */
#include "pt-cuda-backend.cu"
