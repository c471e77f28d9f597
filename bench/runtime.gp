# runtime.gp - bar chart of bench/bench.c's ratios (gnuplot -e "csv='...'; png='...'")
set datafile separator ','
set terminal pngcairo size 1100,520 noenhanced font ',10'
set output png
set title 'adc: cost of the gradient, as a multiple of the forward function (median of 7 runs)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel 'time / forward time'
set logscale y
set yrange [0.5:*]
set xtics rotate by -30 scale 0
set key top left
set grid ytics
plot csv using (column('hand_ns')/column('forward_ns')):xtic(1) title 'hand-written gradient', \
     '' using 'grad_over_f' title 'adc gradient', \
     '' using (column('adolc_ns')/column('forward_ns')) title 'ADOL-C gradient (taped)', \
     '' using 'central_over_f' title 'central differences'
