/* emu-nf4.cpp — gpu/pt-cuda-nf4.cu compiled as C++ against the emulator. */
#include "pt-cuda-nf4.cu"
