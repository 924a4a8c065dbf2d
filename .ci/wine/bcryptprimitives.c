/*
 * Test fixture for the Wine smoke suite only; never shipped.
 *
 * Rust's standard library imports ProcessPrng from bcryptprimitives.dll (present on every
 * Windows 10 and 11). Wine 8.0 has no such DLL, so every Rust program fails to start under it.
 * This stand-in exports ProcessPrng on top of RtlGenRandom (advapi32's SystemFunction036),
 * which Wine implements. `.ci/wine-smoke` builds it with mingw into its own Wine prefix.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a ULONG: feed large requests in slices. */
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
