#!/bin/sh
# make demo: index seeds/ into ./index and run example queries on it.
set -e
BUILD=${1:-build}
rm -rf index
echo "\$ indexer -i index seeds/"
"$BUILD/indexer" -i index seeds/
for q in '"Khorgos"' 'cotton harvesting Xinjiang' '"Telliani Valley"' \
         '+cotton -"Town of Cotton"' '"Jinyi Khorgos"' 'Khorg*' \
         'title:Xinjiang AND (cotton OR CIIE)' 'cotton NEAR/3 Awat' \
         '"cotton machine"~2' 'cotton AND (Awat'; do
    echo
    echo "\$ searcher -i index '$q'"
    status=0
    "$BUILD/searcher" -i index "$q" || status=$?
    # 1 is no match; 2 is the syntax error the last example shows.
    [ "$status" -le 1 ] || [ "$q" = 'cotton AND (Awat' ] || exit "$status"
done
echo
echo "\$ searcher -i index --explain -n 1 --snippet-words 12 'cotton harvesting'"
"$BUILD/searcher" -i index --explain -n 1 --snippet-words 12 'cotton harvesting'
echo
echo "\$ searcher -i index --format json '\"Khorgos Jinyi\"'"
"$BUILD/searcher" -i index --format json --snippet-words 12 '"Khorgos Jinyi"'
