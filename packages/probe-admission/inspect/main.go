// Command isoproof-inspect prints, as one JSON line, the security facts of the process it runs as:
// uid/gid, capability sets from /proc/self/status, no_new_privs, seccomp mode, whether the root
// mount is read-only (/proc/self/mountinfo) and what happens when it tries to create a file in /.
// It has no dependencies and is built static (CGO_ENABLED=0) to be copied into the probe image.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

type rootWrite struct {
	Attempted string `json:"attempted"`
	Succeeded bool   `json:"succeeded"`
	Errno     string `json:"errno,omitempty"`
	Error     string `json:"error,omitempty"`
}

type report struct {
	UID              int       `json:"uid"`
	GID              int       `json:"gid"`
	EUID             int       `json:"euid"`
	Groups           []int     `json:"groups"`
	CapEff           string    `json:"capEff"`
	CapPrm           string    `json:"capPrm"`
	CapBnd           string    `json:"capBnd"`
	CapAmb           string    `json:"capAmb"`
	NoNewPrivs       string    `json:"noNewPrivs"`
	Seccomp          string    `json:"seccomp"`
	RootMountOptions string    `json:"rootMountOptions"`
	RootReadOnly     bool      `json:"rootReadOnly"`
	RootWrite        rootWrite `json:"rootWrite"`
	Errors           []string  `json:"errors,omitempty"`
}

func statusFields(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out, s.Err()
}

// rootMount returns the mount options of the mount point "/" (the last one listed wins, as mounts stack).
func rootMount(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	opts := ""
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64*1024), 1024*1024)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		// id parent major:minor root mountpoint options ...
		if len(fields) >= 6 && fields[4] == "/" {
			opts = fields[5]
		}
	}
	return opts, s.Err()
}

func errnoName(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.EROFS:
			return "EROFS"
		case syscall.EACCES:
			return "EACCES"
		case syscall.EPERM:
			return "EPERM"
		case syscall.ENOSPC:
			return "ENOSPC"
		default:
			return fmt.Sprintf("errno %d", int(errno))
		}
	}
	return ""
}

func main() {
	r := report{UID: os.Getuid(), GID: os.Getgid(), EUID: os.Geteuid()}
	if g, err := os.Getgroups(); err == nil {
		r.Groups = g
	} else {
		r.Errors = append(r.Errors, "getgroups: "+err.Error())
	}
	if st, err := statusFields("/proc/self/status"); err == nil {
		r.CapEff, r.CapPrm, r.CapBnd, r.CapAmb = st["CapEff"], st["CapPrm"], st["CapBnd"], st["CapAmb"]
		r.NoNewPrivs, r.Seccomp = st["NoNewPrivs"], st["Seccomp"]
	} else {
		r.Errors = append(r.Errors, "status: "+err.Error())
	}
	if opts, err := rootMount("/proc/self/mountinfo"); err == nil {
		r.RootMountOptions = opts
		for _, o := range strings.Split(opts, ",") {
			if o == "ro" {
				r.RootReadOnly = true
			}
		}
	} else {
		r.Errors = append(r.Errors, "mountinfo: "+err.Error())
	}
	name := fmt.Sprintf("/.isoproof-write-probe-%d", os.Getpid())
	r.RootWrite.Attempted = name
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err == nil {
		r.RootWrite.Succeeded = true
		f.Close()
		if rmErr := os.Remove(name); rmErr != nil {
			r.Errors = append(r.Errors, "cleanup: "+rmErr.Error())
		}
	} else {
		r.RootWrite.Errno = errnoName(err)
		r.RootWrite.Error = err.Error()
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
