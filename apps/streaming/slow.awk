{ for (i = 1; i <= NF; i++) print $i "\t1" }
NR % 1000 == 0 {
	printf "reporter:status:%d lines read\n", NR > "/dev/stderr"
	printf "reporter:counter:slow,pauses,1\n" > "/dev/stderr"
	fflush("/dev/stderr")
	system("sleep 0.5")
}
