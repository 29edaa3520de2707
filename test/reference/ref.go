// ref.go - the reference lab's sequential MapReduce with its wc and indexer
// plugins, transcribed from the lab's Go source, used to produce the golden
// outputs in test/data/golden/ (see README.md, "Tests").
//
// usage: go run ref.go wc|indexer FILE... > golden
package main

import (
	"fmt"
	"io/ioutil"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

type KeyValue struct {
	Key   string
	Value string
}

type ByKey []KeyValue

func (a ByKey) Len() int           { return len(a) }
func (a ByKey) Swap(i, j int)      { a[i], a[j] = a[j], a[i] }
func (a ByKey) Less(i, j int) bool { return a[i].Key < a[j].Key }

func wcMap(filename string, contents string) []KeyValue {
	ff := func(r rune) bool { return !unicode.IsLetter(r) }
	words := strings.FieldsFunc(contents, ff)
	kva := []KeyValue{}
	for _, w := range words {
		kva = append(kva, KeyValue{w, "1"})
	}
	return kva
}

func wcReduce(key string, values []string) string {
	return strconv.Itoa(len(values))
}

func indexerMap(document string, value string) (res []KeyValue) {
	m := make(map[string]bool)
	words := strings.FieldsFunc(value, func(x rune) bool { return !unicode.IsLetter(x) })
	for _, w := range words {
		m[w] = true
	}
	for w := range m {
		res = append(res, KeyValue{w, document})
	}
	return
}

func indexerReduce(key string, values []string) string {
	sort.Strings(values)
	return fmt.Sprintf("%d %s", len(values), strings.Join(values, ","))
}

func main() {
	mapf, reducef := wcMap, wcReduce
	if os.Args[1] == "indexer" {
		mapf, reducef = indexerMap, indexerReduce
	}
	intermediate := []KeyValue{}
	for _, filename := range os.Args[2:] {
		content, err := ioutil.ReadFile(filename)
		if err != nil {
			panic(err)
		}
		intermediate = append(intermediate, mapf(filename, string(content))...)
	}
	sort.Sort(ByKey(intermediate))
	i := 0
	for i < len(intermediate) {
		j := i + 1
		for j < len(intermediate) && intermediate[j].Key == intermediate[i].Key {
			j++
		}
		values := []string{}
		for k := i; k < j; k++ {
			values = append(values, intermediate[k].Value)
		}
		fmt.Printf("%v %v\n", intermediate[i].Key, reducef(intermediate[i].Key, values))
		i = j
	}
}
