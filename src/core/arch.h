// The target architecture: everything that differs between linux/amd64 and
// linux/arm64 cores, in one table chosen once from the core's e_machine.
// Register sets in NT_PRSTATUS, which register holds g, where a frame's
// return address lies, the kernel's signal frame, pointer size and byte
// order.  The code above src/core/ and the unwinder ask this table; nothing
// else tests the architecture.
#ifndef CNR_CORE_ARCH_H
#define CNR_CORE_ARCH_H

#include "cnr_internal.h"

// x86-64 user_regs_struct indices (sys/user.h), as laid out in pr_reg.
enum cnr_x86_64_reg {
	CNR_REG_R15, CNR_REG_R14, CNR_REG_R13, CNR_REG_R12, CNR_REG_RBP, CNR_REG_RBX,
	CNR_REG_R11, CNR_REG_R10, CNR_REG_R9, CNR_REG_R8, CNR_REG_RAX, CNR_REG_RCX,
	CNR_REG_RDX, CNR_REG_RSI, CNR_REG_RDI, CNR_REG_ORIG_RAX, CNR_REG_RIP, CNR_REG_CS,
	CNR_REG_EFLAGS, CNR_REG_RSP, CNR_REG_SS, CNR_REG_FS_BASE, CNR_REG_GS_BASE,
	CNR_REG_DS, CNR_REG_ES, CNR_REG_FS, CNR_REG_GS, CNR_NUM_REGS
};

// arm64 struct user_pt_regs indices (asm/ptrace.h): x0-x30, sp, pc, pstate.
enum cnr_arm64_reg {
	CNR_ARM64_REG_X28 = 28, CNR_ARM64_REG_LR = 30, CNR_ARM64_REG_SP = 31, CNR_ARM64_REG_PC = 32,
	CNR_ARM64_REG_PSTATE = 33, CNR_ARM64_NUM_REGS = 34
};

enum { CNR_MAX_REGS = 34 }; // the largest register set of a supported architecture

struct cnr_arch {
	const char *goarch;   // GOARCH: "amd64", "arm64"
	unsigned e_machine;   // EM_X86_64, EM_AARCH64
	unsigned ptr_size;    // bytes of a pointer (and of a register)
	bool little_endian;   // the target's byte order, checked against EI_DATA

	// NT_PRSTATUS: struct elf_prstatus (linux/elfcore.h) with the
	// architecture's elf_gregset_t at reg_offset.
	uint32_t prstatus_size, prstatus_reg_offset;
	unsigned nregs;
	const char *const *reg_names; // nregs names, as the kernel headers spell them
	int reg_pc, reg_sp;
	int reg_lr;  // the link register, or -1: CALL pushes the return address
	int reg_g;   // the register that holds g in Go code, or -1 (g lives in TLS)
	int reg_tls; // the thread pointer register saved in pr_reg, or -1
	int64_t tls_g_offset; // g's slot from the thread pointer (amd64: -8)

	// Go's frame layout (runtime/traceback.go, cmd/internal/obj/*): a
	// frame is [sp, fp) with fp = sp + pcsp(pc) + call_pushed.  On amd64
	// CALL pushes the return address (call_pushed 8) and it lies at fp-8.
	// On arm64 the return address is in LR on entry; a frame that has
	// been set up saved it at sp+0 (call_pushed 0).  Arguments start at
	// fp + min_frame_size (sys.MinFrameSize: the caller's saved-LR slot).
	uint32_t call_pushed, min_frame_size;
	// Bytes a signal's injected call (sigpanic, asyncPreempt: the
	// runtime's pushCall on LR machines) adds below the interrupted sp
	// (alignUp(sys.MinFrameSize, sys.StackAlign)); 0 where the injected
	// call looks like a real CALL.
	uint32_t injected_call_frame;

	// The kernel's signal frame: runtime.sigtramp's CFA (the sp the
	// kernel entered the handler with, plus call_pushed) + uc_offset is
	// the ucontext; the interrupted pc, sp and lr sit at these offsets in
	// it (uc_lr 0: no link register).
	uint32_t uc_offset, uc_pc, uc_sp, uc_lr;
};

// The table for ELF machine e_machine; NULL if coroner does not support it.
const struct cnr_arch *cnr_arch_for_machine(unsigned e_machine);
// A name for any e_machine, for messages ("arm", "riscv64", "unknown").
const char *cnr_arch_machine_name(unsigned e_machine);
// The GOARCH names of the supported architectures, for messages:
// "linux/amd64 and linux/arm64".
extern const char cnr_arch_supported[];

// The top of the frame at sp whose pcsp value is spdelta (the CFA: the
// caller's sp).
static inline uint64_t cnr_arch_frame_top(const struct cnr_arch *a, uint64_t sp, int32_t spdelta)
{
	return sp + (int64_t)spdelta + a->call_pushed;
}

// Where the return address of the frame [sp, fp) is: true with *slot_ret
// the stack word that holds it, or false when it is still in the link
// register lr (0 if not known): a frame that has not been set up yet, the
// innermost one of a thread or of a goroutine whose saved state has a
// link register, or the caller of an injected call
// (runtime/traceback.go unwinder.resolveInternal and next).
bool cnr_arch_return_slot(const struct cnr_arch *a, uint64_t sp, uint64_t fp, uint64_t lr, uint64_t *slot_ret);

// The frame's locals end at varp (runtime/traceback.go): below the pushed
// return address and, in a non-empty frame, the frame pointer slot.
static inline uint64_t cnr_arch_frame_varp(const struct cnr_arch *a, uint64_t sp, uint64_t fp)
{
	uint64_t varp = fp - a->call_pushed;
	return varp > sp ? varp - a->ptr_size : varp;
}

#endif
