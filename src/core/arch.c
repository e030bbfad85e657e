// The architecture table: one entry per supported target (see arch.h).
// Every number here is from the kernel's or the Go runtime's own headers,
// cited where it is defined.
#include "core/arch.h"

#include <elf.h>

#ifndef EM_AARCH64
#define EM_AARCH64 183
#endif
#ifndef EM_RISCV
#define EM_RISCV 243
#endif

static const char *const amd64_reg_names[CNR_NUM_REGS] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi",
	"rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

static const char *const arm64_reg_names[CNR_ARM64_NUM_REGS] = {
	"x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",  "x7",  "x8",  "x9",  "x10", "x11",
	"x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23",
	"x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp",  "pc",  "pstate",
};

static const struct cnr_arch arches[] = {
	{
		.goarch = "amd64",
		.e_machine = EM_X86_64,
		.ptr_size = 8,
		.little_endian = true,
		// struct elf_prstatus: 112 bytes of header, elf_gregset_t
		// (27 regs), pr_fpvalid and padding.
		.prstatus_size = 336,
		.prstatus_reg_offset = 112,
		.nregs = CNR_NUM_REGS,
		.reg_names = amd64_reg_names,
		.reg_pc = CNR_REG_RIP,
		.reg_sp = CNR_REG_RSP,
		.reg_lr = -1,
		.reg_g = -1,
		// runtime/sys_linux_amd64.s settls: FS base = &m.tls[0] + 8;
		// g is at -8(FS) (runtime/go_tls.h).
		.reg_tls = CNR_REG_FS_BASE,
		.tls_g_offset = -8,
		.call_pushed = 8,
		.min_frame_size = 0,
		.injected_call_frame = 0,
		// arch/x86/include/asm/sigframe.h rt_sigframe: pretcode (the
		// return address the handler's CFA is above), then the
		// ucontext; uc_mcontext at 40, gregs REG_RIP 16, REG_RSP 15
		// (sys/ucontext.h).
		.uc_offset = 0,
		.uc_pc = 40 + 16 * 8,
		.uc_sp = 40 + 15 * 8,
		.uc_lr = 0,
	},
	{
		.goarch = "arm64",
		.e_machine = EM_AARCH64,
		.ptr_size = 8,
		.little_endian = true,
		// struct elf_prstatus: 112 bytes of header, user_pt_regs (34
		// regs: arch/arm64/include/asm/elf.h ELF_NGREG), pr_fpvalid
		// and padding.
		.prstatus_size = 392,
		.prstatus_reg_offset = 112,
		.nregs = CNR_ARM64_NUM_REGS,
		.reg_names = arm64_reg_names,
		.reg_pc = CNR_ARM64_REG_PC,
		.reg_sp = CNR_ARM64_REG_SP,
		.reg_lr = CNR_ARM64_REG_LR,
		// cmd/internal/obj/arm64/a.out.go: REGG = REG_R28.
		.reg_g = CNR_ARM64_REG_X28,
		.reg_tls = -1, // TPIDR_EL0 is in NT_ARM_TLS, and Go without cgo does not use it
		.tls_g_offset = 0,
		.call_pushed = 0,
		.min_frame_size = 8, // runtime/internal/sys: MinFrameSize on arm64
		// runtime/signal_arm64.go pushCall: sp -= 16, the old LR at 0(sp).
		.injected_call_frame = 16,
		// arch/arm64/kernel/signal.c setup_return: sp = &rt_sigframe
		// {siginfo (128 bytes); ucontext}; the Go handler's CFA is that
		// sp.  ucontext (asm/ucontext.h; runtime/defs_linux_arm64.go):
		// flags, link, stack_t (24), sigset (8), 120 bytes unused, then
		// the 16-byte aligned sigcontext at 176: fault_address,
		// regs[31], sp, pc, pstate.
		.uc_offset = 128,
		.uc_pc = 176 + 8 + 32 * 8,
		.uc_sp = 176 + 8 + 31 * 8,
		.uc_lr = 176 + 8 + 30 * 8,
	},
};

const char cnr_arch_supported[] = "linux/amd64 and linux/arm64";

const struct cnr_arch *cnr_arch_for_machine(unsigned e_machine)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		if (arches[i].e_machine == e_machine)
			return &arches[i];
	}
	return NULL;
}

const char *cnr_arch_machine_name(unsigned m)
{
	const struct cnr_arch *a = cnr_arch_for_machine(m);
	if (a)
		return a->goarch;
	switch (m) {
	case EM_386: return "i386";
	case EM_ARM: return "arm";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390x";
	case EM_RISCV: return "riscv64";
	case EM_MIPS: return "mips";
	default: return "unknown";
	}
}

bool cnr_arch_return_slot(const struct cnr_arch *a, uint64_t sp, uint64_t fp, uint64_t lr, uint64_t *slot_ret)
{
	if (a->reg_lr < 0) {
		*slot_ret = fp - a->ptr_size;
		return true;
	}
	// The runtime reads the stack when lr is unknown or the frame is set
	// up (innermost && sp < fp); a non-innermost lr exists only for the
	// frameless caller of an injected call.
	if (fp == sp && lr != 0)
		return false;
	*slot_ret = sp;
	return true;
}
