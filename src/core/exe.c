#include "core/exe.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file_image.h"

enum { MAX_EXE_SEGMENTS = 4096, GO_BUILD_ID_NOTE = 4 };

static struct cnr_error *elf_error(const char *path, const char *what)
{
	return cnr_error_create(CNR_ERROR_FORMAT, "cannot %s executable '%s': %s", what, path, elf_errmsg(-1));
}

bool cnr_exe_section(struct cnr_exe *exe, const char *name, uint64_t *addr_ret, const uint8_t **data_ret,
		     uint64_t *size_ret)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(exe->elf, &shstrndx) != 0)
		return false;
	for (Elf_Scn *scn = elf_nextscn(exe->elf, NULL); scn; scn = elf_nextscn(exe->elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *n = elf_strptr(exe->elf, shstrndx, sh.sh_name);
		if (!n || strcmp(n, name) != 0)
			continue;
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > exe->size || sh.sh_size > exe->size - sh.sh_offset))
			return false;
		*addr_ret = sh.sh_addr;
		*data_ret = sh.sh_type == SHT_NOBITS ? NULL : exe->raw + sh.sh_offset;
		*size_ret = sh.sh_size;
		return true;
	}
	return false;
}

// The descriptor of the first note in section (a 4-byte name, NUL padded,
// and the given type), bounds-checked against the section: *desc_ret,
// *len_ret and its address.  False if the section or the note is absent
// or malformed (not every binary has one: not an error).
static bool section_note(struct cnr_exe *exe, const char *section, const char name[4], uint32_t want_type,
			 const uint8_t **desc_ret, uint32_t *len_ret, uint64_t *vaddr_ret)
{
	uint64_t addr, size;
	const uint8_t *d;
	if (!cnr_exe_section(exe, section, &addr, &d, &size) || !d || size < 16)
		return false;
	uint32_t namesz, descsz, type;
	memcpy(&namesz, d, 4);
	memcpy(&descsz, d + 4, 4);
	memcpy(&type, d + 8, 4);
	uint64_t name_pad = ((uint64_t)namesz + 3) & ~3ULL;
	if (type != want_type || namesz != 4 || memcmp(d + 12, name, 4) != 0 || descsz > size - 12 - name_pad)
		return false;
	*desc_ret = d + 12 + name_pad;
	*len_ret = descsz;
	*vaddr_ret = addr + 12 + name_pad;
	return true;
}

// The Go build ID note: namesz 4 "Go\0\0", type 4, desc = the ID string
// (cmd/link/internal/ld/elf.go: addgonote, ELF_NOTE_GOBUILDID_TAG).
static struct cnr_error *read_go_build_id(struct cnr_exe *exe)
{
	const uint8_t *desc;
	uint32_t len;
	uint64_t vaddr;
	if (!section_note(exe, ".note.go.buildid", "Go\0\0", GO_BUILD_ID_NOTE, &desc, &len, &vaddr))
		return NULL;
	exe->go_build_id = strndup((const char *)desc, len);
	if (!exe->go_build_id)
		return &cnr_enomem;
	exe->go_build_id_vaddr = vaddr;
	return NULL;
}

// The GNU build ID note (NT_GNU_BUILD_ID = 3, name "GNU"), as hex: what
// runtime/pprof's elfBuildID puts in a profile's mapping.  The Go linker
// writes one by default from Go 1.24 (derived from the Go build ID).
static struct cnr_error *read_gnu_build_id(struct cnr_exe *exe)
{
	const uint8_t *desc;
	uint32_t len;
	uint64_t vaddr;
	if (!section_note(exe, ".note.gnu.build-id", "GNU", 3, &desc, &len, &vaddr) || len > 64)
		return NULL;
	exe->gnu_build_id = malloc(2 * (size_t)len + 1);
	if (!exe->gnu_build_id)
		return &cnr_enomem;
	for (uint32_t i = 0; i < len; i++)
		sprintf(exe->gnu_build_id + 2 * i, "%02x", desc[i]);
	exe->gnu_build_id[2 * len] = 0;
	return NULL;
}

const char *cnr_exe_build_id(const struct cnr_exe *exe)
{
	return exe->gnu_build_id ? exe->gnu_build_id : exe->go_build_id;
}

struct cnr_error *cnr_exe_open(const char *path, struct cnr_exe **ret)
{
	struct cnr_exe *exe = calloc(1, sizeof(*exe));
	if (!exe)
		return &cnr_enomem;
	exe->fd = -1;
	struct cnr_error *err = NULL;
	exe->path = strdup(path);
	if (!exe->path) {
		err = &cnr_enomem;
		goto fail;
	}
	// O_NONBLOCK: a FIFO would block open() until a writer came; the type
	// check below refuses it, and a directory, before libelf sees them.
	exe->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (exe->fd < 0) {
		err = cnr_error_os(errno, path, "cannot open executable");
		goto fail;
	}
	struct stat st;
	if (fstat(exe->fd, &st) < 0) {
		err = cnr_error_os(errno, path, "cannot stat executable");
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = cnr_error_create(CNR_ERROR_FORMAT, "executable '%s' is %s, not a regular file", path,
				       cnr_file_type_text(st.st_mode));
		goto fail;
	}
	elf_version(EV_CURRENT);
	exe->elf = elf_begin(exe->fd, ELF_C_READ_MMAP, NULL);
	if (!exe->elf) {
		err = elf_error(path, "read");
		goto fail;
	}
	if (elf_kind(exe->elf) != ELF_K_ELF) {
		err = cnr_error_create(CNR_ERROR_FORMAT, "executable '%s' is not an ELF file", path);
		goto fail;
	}
	exe->raw = (const uint8_t *)elf_rawfile(exe->elf, &exe->size);
	GElf_Ehdr eh;
	if (!exe->raw || !gelf_getehdr(exe->elf, &eh)) {
		err = elf_error(path, "read the ELF header of");
		goto fail;
	}
	exe->arch = cnr_arch_for_machine(eh.e_machine);
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || !exe->arch) {
		err = cnr_error_create(CNR_ERROR_FORMAT,
				       "executable '%s' is not a 64-bit %s program (e_machine %u); coroner supports %s",
				       path, cnr_arch_machine_name(eh.e_machine), eh.e_machine, cnr_arch_supported);
		goto fail;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		err = cnr_error_create(CNR_ERROR_FORMAT, "'%s' is not an executable (ELF type %u)", path,
				       eh.e_type);
		goto fail;
	}
	exe->type = eh.e_type;
	exe->entry = eh.e_entry;
	size_t phnum;
	if (elf_getphdrnum(exe->elf, &phnum) != 0) {
		err = elf_error(path, "read the program headers of");
		goto fail;
	}
	if (phnum > MAX_EXE_SEGMENTS) {
		err = cnr_error_corrupt("executable '%s' claims %zu program headers", path, phnum);
		goto fail;
	}
	exe->segments = calloc(phnum ? phnum : 1, sizeof(*exe->segments));
	if (!exe->segments) {
		err = &cnr_enomem;
		goto fail;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(exe->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > exe->size || ph.p_filesz > exe->size - ph.p_offset ||
		    ph.p_filesz > ph.p_memsz || ph.p_vaddr + ph.p_memsz < ph.p_vaddr) {
			err = cnr_error_corrupt("executable '%s': PT_LOAD %zu at 0x%" PRIx64 " is malformed or "
						"extends past the end of the file",
						path, i, (uint64_t)ph.p_vaddr);
			goto fail;
		}
		exe->segments[exe->nsegments++] = (struct cnr_exe_segment){
			.vaddr = ph.p_vaddr, .memsz = ph.p_memsz, .offset = ph.p_offset,
			.filesz = ph.p_filesz, .flags = ph.p_flags,
		};
	}
	err = read_go_build_id(exe);
	if (!err)
		err = read_gnu_build_id(exe);
	if (err)
		goto fail;
	*ret = exe;
	return NULL;
fail:
	cnr_exe_destroy(exe);
	return err;
}

void cnr_exe_destroy(struct cnr_exe *exe)
{
	if (!exe)
		return;
	if (exe->elf)
		elf_end(exe->elf);
	if (exe->fd >= 0)
		close(exe->fd);
	free(exe->segments);
	free(exe->go_build_id);
	free(exe->gnu_build_id);
	free(exe->path);
	free(exe);
}
