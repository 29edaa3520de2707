import sys

# Lines come sorted by word: add up each run of one word.
current, count = None, 0
for line in sys.stdin:
    word, n = line.rstrip("\n").split("\t", 1)
    if word == current:
        count += int(n)
    else:
        if current is not None:
            print("%s\t%d" % (current, count))
        current, count = word, int(n)
if current is not None:
    print("%s\t%d" % (current, count))
