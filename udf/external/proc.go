package external

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// proc is one running program. Its stdout is read by a goroutine (started
// by the protocol) that hands answers over on a channel, so that waiting for
// an answer can be bounded by a timer; killing the process group closes the
// pipes, which unblocks every read and write.
type proc struct {
	cmd    *exec.Cmd
	stdin  *os.File // our end of the program's stdin
	stdout *os.File // our end of the program's stdout
	done   chan struct{}
	// quit is closed when the process is being killed or closed, so that the
	// reader goroutine stops handing over answers nobody will take.
	quit     chan struct{}
	quitOnce sync.Once

	mu      sync.Mutex
	waitErr error
	reason  string // why we killed it ("" if we did not)
}

// startProc starts argv in dir with its own process group, stderr going to
// errOut. The environment is the engine's, unchanged.
func startProc(argv []string, dir string, errOut io.Writer) (*proc, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdin = inR
	cmd.Stdout = outW
	cmd.Stderr = errOut
	cmd.SysProcAttr = procAttr()
	// If a grandchild keeps stderr open after the kill, do not wait forever
	// for the copy to finish.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		inR.Close()
		inW.Close()
		outR.Close()
		outW.Close()
		return nil, err
	}
	// The child has its own copies now.
	inR.Close()
	outW.Close()
	p := &proc{cmd: cmd, stdin: inW, stdout: outR, done: make(chan struct{}), quit: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// kill ends the whole process group (the program and anything it started)
// and closes our pipe ends; reason is kept for the error message.
func (p *proc) kill(reason string) {
	p.mu.Lock()
	if p.reason == "" {
		p.reason = reason
	}
	p.mu.Unlock()
	p.quitOnce.Do(func() { close(p.quit) })
	killGroup(p.cmd)
	p.stdin.Close()
	p.stdout.Close()
}

// killedFor says why we killed the process, "" if we did not.
func (p *proc) killedFor() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reason
}

// exited reports whether the process has ended, waiting up to d for it.
func (p *proc) exited(d time.Duration) (bool, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return true, p.waitErr
	case <-t.C:
		return false, nil
	}
}

// close asks the program to finish (EOF on stdin), gives it grace to exit,
// then kills the group. It waits until the process is gone.
func (p *proc) close(grace time.Duration) {
	p.stdin.Close()
	if ok, _ := p.exited(grace); !ok {
		p.kill("closed")
	}
	p.quitOnce.Do(func() { close(p.quit) })
	p.stdout.Close()
	<-p.done
}

// exitText describes how a process ended, for error messages.
func exitText(err error) string {
	if err == nil {
		return "exited with status 0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "was killed by signal " + ws.Signal().String()
		}
		return "exited with status " + strconv.Itoa(ee.ExitCode())
	}
	return err.Error()
}
