# Workarounds for the Cython version speedlab builds with; `cimport cython_compat`.
#
# NOTE: Cython 3.3 with a shared utility module (speedlab._cyutility, see
# setup.py) emits inline helpers such as bytearray.append that use
# __Pyx_{BEGIN,END}_CRITICAL_SECTION, but defines those macros only in the
# shared module, so a kernel using them fails to import ("undefined symbol").
# These are Cython's own definitions, guarded so a fixed Cython wins.

cdef extern from *:
    """
    #ifndef __Pyx_BEGIN_CRITICAL_SECTION
    #if PY_VERSION_HEX < 0x030d0000 || CYTHON_COMPILING_IN_LIMITED_API
    #define __Pyx_BEGIN_CRITICAL_SECTION(o) {
    #define __Pyx_END_CRITICAL_SECTION() }
    #else
    #define __Pyx_BEGIN_CRITICAL_SECTION Py_BEGIN_CRITICAL_SECTION
    #define __Pyx_END_CRITICAL_SECTION Py_END_CRITICAL_SECTION
    #endif
    #endif
    """
