#!/bin/sh
# make demo: index seeds/ into ./index and run example queries on it.
set -e
BUILD=${1:-build}
rm -rf index
echo "\$ indexer -i index seeds/"
"$BUILD/indexer" -i index seeds/
for q in '"Khorgos"' 'cotton harvesting Xinjiang' '"Telliani Valley"' \
         '+cotton -"Town of Cotton"' '"Jinyi Khorgos"'; do
    echo
    echo "\$ searcher -i index '$q'"
    status=0
    "$BUILD/searcher" -i index "$q" || status=$?
    [ "$status" -le 1 ] || exit "$status"
done
echo
echo "\$ searcher -i index --format json '\"Khorgos Jinyi\"'"
"$BUILD/searcher" -i index --format json --snippet-words 12 '"Khorgos Jinyi"'
