/* emu-embed.cpp — gpu/pt-cuda-embed.cu compiled as C++ against the emulator. */
#include "pt-cuda-embed.cu"
