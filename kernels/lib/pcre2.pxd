# The part of PCRE2's API (pcre2.h, 8-bit code units) that regexredux_pcre2.pyx uses.
# https://www.pcre.org/current/doc/html/pcre2api.html
#
# NOTE: PCRE2_CODE_UNIT_WIDTH must be defined before pcre2.h is included: it maps
# each pcre2_xxx name below onto the 8-bit library's pcre2_xxx_8 (libpcre2-8).
# The verbatim block keeps the two lines together wherever Cython emits them.

from libc.stdint cimport uint32_t

cdef extern from *:
    """
    #define PCRE2_CODE_UNIT_WIDTH 8
    #include <pcre2.h>
    """
    ctypedef unsigned char PCRE2_UCHAR
    ctypedef const unsigned char *PCRE2_SPTR
    ctypedef size_t PCRE2_SIZE

    ctypedef struct pcre2_code:
        pass
    ctypedef struct pcre2_compile_context:
        pass
    ctypedef struct pcre2_match_context:
        pass
    ctypedef struct pcre2_match_data:
        pass
    ctypedef struct pcre2_jit_stack:
        pass
    ctypedef struct pcre2_general_context:
        pass

    # pcre2_config()
    uint32_t PCRE2_CONFIG_JIT
    uint32_t PCRE2_CONFIG_VERSION
    # pcre2_set_newline()
    uint32_t PCRE2_NEWLINE_LF
    # pcre2_compile()
    uint32_t PCRE2_NO_START_OPTIMIZE
    # pcre2_pattern_info()
    uint32_t PCRE2_INFO_MINLENGTH
    # pcre2_jit_compile()
    uint32_t PCRE2_JIT_COMPLETE
    # error codes
    int PCRE2_ERROR_NOMATCH
    int PCRE2_ERROR_NOMEMORY
    int PCRE2_ERROR_JIT_BADOPTION
    int PCRE2_ERROR_JIT_STACKLIMIT

    int pcre2_config(uint32_t what, void *where) nogil
    int pcre2_get_error_message(int errorcode, PCRE2_UCHAR *buffer, PCRE2_SIZE bufflen) nogil

    pcre2_compile_context *pcre2_compile_context_create(pcre2_general_context *gcontext) nogil
    void pcre2_compile_context_free(pcre2_compile_context *ccontext) nogil
    int pcre2_set_newline(pcre2_compile_context *ccontext, uint32_t value) nogil

    pcre2_code *pcre2_compile(PCRE2_SPTR pattern, PCRE2_SIZE length, uint32_t options,
                              int *errorcode, PCRE2_SIZE *erroroffset,
                              pcre2_compile_context *ccontext) nogil
    void pcre2_code_free(pcre2_code *code) nogil
    int pcre2_jit_compile(pcre2_code *code, uint32_t options) nogil
    int pcre2_pattern_info(const pcre2_code *code, uint32_t what, void *where) nogil

    pcre2_match_context *pcre2_match_context_create(pcre2_general_context *gcontext) nogil
    void pcre2_match_context_free(pcre2_match_context *mcontext) nogil
    pcre2_jit_stack *pcre2_jit_stack_create(PCRE2_SIZE startsize, PCRE2_SIZE maxsize,
                                            pcre2_general_context *gcontext) nogil
    void pcre2_jit_stack_free(pcre2_jit_stack *jit_stack) nogil
    void pcre2_jit_stack_assign(pcre2_match_context *mcontext, void *callback,
                                void *callback_data) nogil

    pcre2_match_data *pcre2_match_data_create(uint32_t ovecsize, pcre2_general_context *gcontext) nogil
    void pcre2_match_data_free(pcre2_match_data *match_data) nogil
    PCRE2_SIZE *pcre2_get_ovector_pointer(pcre2_match_data *match_data) nogil

    int pcre2_jit_match(const pcre2_code *code, PCRE2_SPTR subject, PCRE2_SIZE length,
                        PCRE2_SIZE startoffset, uint32_t options, pcre2_match_data *match_data,
                        pcre2_match_context *mcontext) nogil
