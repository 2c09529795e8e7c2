// Command cyclonus-baseline runs the network benchmark's baseline with cyclonus's own probe runner
// (github.com/mattfenwick/cyclonus v0.5.6, pkg/connectivity/probe.KubeJobRunner): one exec of
// `/agnhost connect` per cell, 15 workers (cyclonus's default), on the benchmark's own pods.
//
// stdin: {"timeoutSeconds":2,"workers":15,"jobs":[{"key":"a -> b:8080/TCP","namespace":"ns","pod":"a","container":"porter","host":"10.0.0.5","port":8080}]}
// stdout: one {"key":...,"connectivity":"allowed|blocked|checkfailed"} line per job, then
// {"stats":{"jobs":N,"workers":W,"wallMs":M}}. Credentials: KUBECONFIG (and -context).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattfenwick/cyclonus/pkg/connectivity/probe"
	"github.com/mattfenwick/cyclonus/pkg/kube"
	v1 "k8s.io/api/core/v1"
)

type job struct {
	Key       string `json:"key"`
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
	Host      string `json:"host"`
	Port      int    `json:"port"`
}

type plan struct {
	TimeoutSeconds int   `json:"timeoutSeconds"`
	Workers        int   `json:"workers"`
	Jobs           []job `json:"jobs"`
}

func main() {
	kubeContext := flag.String("context", "", "kubeconfig context")
	flag.Parse()
	var p plan
	if err := json.NewDecoder(io.LimitReader(os.Stdin, 16<<20)).Decode(&p); err != nil {
		fmt.Fprintln(os.Stderr, "cyclonus-baseline: plan is not valid JSON:", err)
		os.Exit(2)
	}
	if p.Workers < 1 || p.Workers > 64 || p.TimeoutSeconds < 1 || p.TimeoutSeconds > 60 || len(p.Jobs) > 20000 {
		fmt.Fprintln(os.Stderr, "cyclonus-baseline: workers 1..64, timeoutSeconds 1..60, at most 20000 jobs")
		os.Exit(2)
	}
	k8s, err := kube.NewKubernetesForContext(*kubeContext)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cyclonus-baseline: kubeconfig:", err)
		os.Exit(2)
	}
	jobs := make([]*probe.Job, len(p.Jobs))
	for i, j := range p.Jobs {
		jobs[i] = &probe.Job{
			FromKey:        j.Key,
			FromNamespace:  j.Namespace,
			FromPod:        j.Pod,
			FromContainer:  j.Container,
			ToHost:         j.Host,
			ToKey:          j.Key,
			ResolvedPort:   j.Port,
			Protocol:       v1.ProtocolTCP,
			TimeoutSeconds: p.TimeoutSeconds,
		}
	}
	runner := &probe.KubeJobRunner{Kubernetes: k8s, Workers: p.Workers}
	started := time.Now()
	results := runner.RunJobs(jobs)
	wall := time.Since(started)
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	for _, r := range results {
		_ = enc.Encode(map[string]string{"key": r.Job.FromKey, "connectivity": string(r.Combined)})
	}
	_ = enc.Encode(map[string]any{"stats": map[string]any{"jobs": len(jobs), "workers": p.Workers, "wallMs": wall.Milliseconds()}})
	_ = w.Flush()
}
