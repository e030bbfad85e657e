// The pclntab decoder on the committed fixture cores, checked against the
// ELF symbol table (the linker's other record of every function: its
// address, size and name) for every function the executable has.
#include <criterion/criterion.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "goruntime/pclntab.h"
#include "goruntime/program.h"
#include "test_util.h"

// Whether the pclntab's name is the symbol table's first n bytes: the
// linker writes the middle dot of some generated names ("newFunc·1", an
// equality function of a closure type) as '.' in the ELF symbol.
static bool same_name(const char *pcln, const char *sym, size_t n)
{
	size_t i = 0, j = 0;
	while (j < n && pcln[i]) {
		if ((unsigned char)pcln[i] == 0xc2 && (unsigned char)pcln[i + 1] == 0xb7 && sym[j] == '.')
			i += 2, j++;
		else if (pcln[i] == sym[j])
			i++, j++;
		else
			return false;
	}
	return j == n && pcln[i] == '\0';
}

Test(goruntime, pclntab_agrees_with_the_symbol_table)
{
	size_t nfixtures = cnr_test_fixture_count();
	for (size_t k = 0; k < nfixtures; k++) {
		struct cnr_test_fixture fx;
		cnr_test_fixture_open(k, &fx);
		struct cnr_program *prog = fx.prog;
		const char *exe = fx.exe;
		cnr_cr_assert_ok(cnr_program_load_runtime(prog));

		int fd = open(exe, O_RDONLY);
		Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
		size_t checked = 0;
		for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
			GElf_Shdr sh;
			gelf_getshdr(scn, &sh);
			if (sh.sh_type != SHT_SYMTAB)
				continue;
			Elf_Data *data = elf_getdata(scn, NULL);
			for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Sym sym;
				gelf_getsym(data, (int)i, &sym);
				const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
				// go:* symbols are the linker's section markers, not functions.
				if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || !name || sym.st_size == 0 ||
				    strncmp(name, "go:", 3) == 0)
					continue;
				struct cnr_func f;
				uint64_t mid = sym.st_value + sym.st_size / 2;
				cr_assert(cnr_pclntab_find(prog->pclntab, mid, &f), "%s: no function at %s", exe, name);
				cr_assert_eq(f.entry, sym.st_value, "%s: %s entry", exe, name);
				// The symbol table names assembly functions F.abi0.
				size_t n = strlen(name);
				if (n > 5 && strcmp(name + n - 5, ".abi0") == 0)
					n -= 5;
				cr_assert(same_name(f.name, name, n), "%s: %s named %s", exe, name, f.name);
				// pcsp at the entry is 0: nothing pushed yet.
				int32_t spdelta;
				cnr_cr_assert_ok(cnr_pclntab_pcvalue(prog->pclntab, &f, f.pcsp, f.entry, &spdelta));
				cr_assert_eq(spdelta, 0, "%s: %s sp delta at entry", exe, name);
				checked++;
			}
		}
		elf_end(elf);
		close(fd);
		cr_assert_gt(checked, 1000, "%s: only %zu functions checked", exe, checked);
		cnr_test_fixture_close(&fx);
	}
}
