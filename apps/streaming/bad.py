import sys
for line in sys.stdin:
    for word in line.split():
        print("%s\t%d" % (word, 1 / 0))
