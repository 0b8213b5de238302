allUsersData = {
    
color: '#FFA900',
name: 'Active Users',
data: [
  [1795559025000,4],[1795559026000,4],[1795559027000,4]
],
tooltip: { yDecimals: 0, ySuffix: '', valueDecimals: 0 }
    , zIndex: 20
    , yAxis: 1
};